# SPDX-License-Identifier: GPL-2.0-or-later
"""podman_paths.py - the e2e driver for Podman's other ways to publish ports

Helpers and tests for the paths that do not publish through a container's
own pasta: named and default bridge networks (netavark + rootlessport),
`podman kube play`, podman-compose, docker-compose against the user's
`podman system service` socket, Quadlet .network/.container/.kube units run
from the generator's ExecStart lines, and on Podman 6 the pesto forwarder
(`[network] rootless_port_forwarder = "pasta"`).

The tests here use the unprivileged port 8080 (and 8443), which every
generation publishes without lowport: they prove that each path works in the
sandbox and carries real traffic, and that lowport stays out of the way (no
lease, nothing in table inet lowport). The privileged-port scenarios of the
rootlessport and pesto fronts build on the same helpers.

test_e2e.py imports this module and calls register() with itself, so the
helpers reach the running sandbox (its SB) and the shared checks.

Copyright lowport authors
"""

import shlex
import sys

import lptest as T
import podman_fronts

E = None  # the test_e2e module, set by register()
TESTS = []  # (name, fn), added to T.TESTS by register()
UIDS = {'alice': 1000, 'bob': 1001, 'carol': 1002}
PESTO_CONF = 'lowport-e2e-forwarder.conf'

# reset() of test_e2e.py for a user the helpers here marked dirty: every
# pod, container, network, Quadlet unit and forwarder setting of theirs goes
CLEAN_USER = ('podman pod rm -a -f -t 0 >/dev/null && '
              'podman rm -a -f -t 0 >/dev/null && '
              'podman network prune -f >/dev/null && '
              'rm -rf "$HOME/.config/containers/systemd" '
              '"$HOME/.config/containers/containers.conf.d" '
              '"$HOME/lowport-e2e"')


def register(module):
    """register() - bind to the e2e module @module, add this file's tests"""
    global E
    E = module
    T.TESTS.extend(TESTS)
    podman_fronts.register(sys.modules[__name__], module)


def path_test(name):
    """path_test() - decorator: a test of this file, run after test_e2e's"""
    def deco(fn):
        TESTS.append((name, fn))
        return fn
    return deco


# ------------------------------------------------------------ helpers


def podman_major():
    """podman_major() - the sandbox's Podman major version (5, 6, ...)"""
    return int(E.SB.versions.get('podman', '0').split('.')[0] or 0)


def put_file(user, path, text):
    """put_file() - write @text to @path (relative: under ~/lowport-e2e)

    Return: the absolute path inside the sandbox
    """
    home = f'/home/{user}'
    if not path.startswith('/'):
        path = f'{home}/lowport-e2e/{path}'
    E.SB.run(['sh', '-c', 'mkdir -p "${1%/*}" && cat >"$1"', 'sh', path],
             user=user, stdin=text)
    E.SB.dirty.add(user)
    return path


def podman_ok(user, *args, what=None):
    """podman_ok() - podman @args as @user, which must succeed; stdout"""
    r = E.SB.podman(user, *args, check=False)
    T.check(r.returncode == 0,
            f'{what or "podman " + shlex.join(args)} as {user} failed '
            f'({r.returncode}):\n{r.stderr.strip()}')
    E.SB.dirty.add(user)
    return r.stdout


def network_create(user, name):
    """network_create() - `podman network create @name` as @user"""
    podman_ok(user, 'network', 'create', name)


def kube_yaml(name, host_port, container_port=80):
    """kube_yaml() - a Pod @name of the test image with one hostPort"""
    return (f'apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n'
            f'spec:\n  containers:\n  - name: web\n'
            f'    image: {E.IMAGE}\n    ports:\n'
            f'    - containerPort: {container_port}\n'
            f'      hostPort: {host_port}\n')


def kube_play(user, text, name='kube.yaml'):
    """kube_play() - `podman kube play` of YAML @text as @user; its path"""
    path = put_file(user, name, text)
    podman_ok(user, 'kube', 'play', path)
    return path


def kube_down(user, path):
    podman_ok(user, 'kube', 'down', path)


def compose_yaml(*ports):
    """compose_yaml() - one service "web" of the test image with @ports"""
    lines = ''.join(f'      - "{p}"\n' for p in ports)
    return (f'services:\n  web:\n    image: {E.IMAGE}\n'
            f'    ports:\n{lines}')


def podman_service(user):
    """podman_service() - the user's `podman system service` socket

    Starts the API service (no systemd in the sandbox) once per test; it
    is stopped by reset() like every spawned helper.
    Return: the DOCKER_HOST value for it
    """
    sock = f'/run/user/{UIDS[user]}/podman/podman.sock'

    def answers():
        # a socket file left by a service that reset() stopped answers
        # nothing: ask the API, not the file system
        return E.SB.run(['curl', '-sf', '--max-time', '2', '--unix-socket',
                         sock, 'http://d/_ping'], user=user,
                        check=False).returncode == 0
    if not answers():
        E.SB.run(['rm', '-f', sock], user=user)
        E.SB.run(['mkdir', '-p', sock.rsplit('/', 1)[0]], user=user)
        E.SB.spawn(f'podman system service --time=0 unix://{sock}',
                   user=user)
        T.check(T.wait_until(answers, 10.0, 0.1),
                f'podman system service of {user} does not answer on '
                f'{sock}')
    return f'unix://{sock}'


def compose(user, tool, text, project, *args):
    """compose() - run @tool (podman-compose or docker-compose) as @user

    @text is the compose file, @args the subcommand (up -d, down).
    docker-compose talks to the user's `podman system service`.
    Return: CompletedProcess
    """
    path = put_file(user, f'{project}/compose.yaml', text)
    env = []
    if tool == 'docker-compose':
        env = ['env', f'DOCKER_HOST={podman_service(user)}']
    r = E.SB.run([*env, tool, '-f', path, '-p', project, *args], user=user,
                 check=False, timeout=E.PODMAN_TIMEOUT)
    T.check(r.returncode == 0,
            f'{tool} {" ".join(args)} as {user} failed ({r.returncode}):\n'
            f'{r.stderr.strip()}\n{r.stdout.strip()}')
    return r


def quadlet_generate(user, units):
    """quadlet_generate() - run Podman's quadlet generator on @units

    @units maps file names (web.network, web.container, x.kube, x.yaml) to
    their text; they go to the user's ~/.config/containers/systemd.
    Return: {service name: {key: [values]}} of the generated units
    """
    d = f'/home/{user}/.config/containers/systemd'
    for name, text in units.items():
        put_file(user, f'{d}/{name}', text)
    r = E.SB.run(['env', f'QUADLET_UNIT_DIRS={d}',
                  '/usr/libexec/podman/quadlet', '-user', '-dryrun'],
                 user=user)
    out, unit = {}, None
    for line in r.stdout.splitlines():
        if line.startswith('---') and line.endswith('---'):
            unit = out.setdefault(line.strip('-'), {})
        elif unit is not None and '=' in line and not line.startswith('#'):
            key, value = line.split('=', 1)
            unit.setdefault(key, []).append(value)
    return out


def quadlet_exec(user, units, service, key):
    """quadlet_exec() - run @key (ExecStart, ...) of @service as @user

    Specifiers are expanded for the user; with no systemd in the sandbox
    there is no cgroup to split. A missing @key fails the test.
    Return: the argv that ran
    """
    lines = units.get(service, {}).get(key)
    T.check(lines, f'no {key}= in the generated {service}: '
                   f'{units.get(service)!r}')
    name = service.rsplit('.', 1)[0]
    cmd = (lines[-1].lstrip('-').replace('%t', f'/run/user/{UIDS[user]}')
           .replace('%N', name).replace('%n', service))
    argv = ['--cgroups=disabled' if a == '--cgroups=split' else a
            for a in shlex.split(cmd)]
    r = E.SB.run(argv, user=user, timeout=E.PODMAN_TIMEOUT, check=False)
    T.check(r.returncode == 0, f'{service} {key} ({shlex.join(argv)}) '
                               f'failed ({r.returncode}): {r.stderr.strip()}')
    return argv


def forwarder_pasta(user):
    """forwarder_pasta() - Podman 6: bridge ports through pesto for @user

    Writes `[network] rootless_port_forwarder = "pasta"` into the user's
    containers.conf.d (reset() removes it); skips the test on Podman 5.
    """
    if podman_major() < 6:
        T.skip(f'Podman {E.SB.versions.get("podman")} has no '
               'rootless_port_forwarder (Podman 6 and later)')
    put_file(user, f'/home/{user}/.config/containers/containers.conf.d/'
             f'{PESTO_CONF}', '[network]\nrootless_port_forwarder = "pasta"\n')


def served_by(port, want, outside=True, within=5.0):
    """served_by() - @want comes back on 127.0.0.1:@port (and from outside)

    Waits up to @within seconds for the first answer (the server in the
    container may still be starting).
    """
    url = f'http://127.0.0.1:{port}/'
    got = T.wait_until(lambda: E.SB.get(url) == want, within, 0.1)
    T.check(got, f'127.0.0.1:{port}: got {E.SB.get(url)!r}, want {want!r}')
    if outside:
        T.eq(E.SB.get(f'http://{E.HOST4}:{port}/', outside=True), want,
             f'{E.HOST4}:{port} from the outside client')


def not_served(port, within=3.0):
    """not_served() - nothing answers on 127.0.0.1:@port (within @within s)"""
    url = f'http://127.0.0.1:{port}/'
    T.check(T.wait_until(lambda: E.SB.get(url) is None, within, 0.1),
            f'127.0.0.1:{port} still answers: {E.SB.get(url)!r}')


def no_lease():
    """no_lease() - an unprivileged port made no lease and no rules"""
    T.eq(E.SB.leases(), [], 'leases for an unprivileged port')
    T.eq(E.SB.table_lease_ids(), set(), 'rules for an unprivileged port')


def name_page(name, port=80):
    """name_page() - the page of a container whose hostname is @name"""
    return f'lowport-e2e page from {name} port {port}'


def rootlessports(user):
    """rootlessports() - how many rootlessport processes @user runs"""
    r = E.SB.run(['pgrep', '-c', '-u', str(UIDS[user]), '-x', 'rootlessport'],
                 check=False)
    return int(r.stdout.strip() or 0)


def pesto_table(user):
    """pesto_table() - `pesto -s` of @user's rootless-netns pasta, text"""
    sock = (f'/run/user/{UIDS[user]}/containers/networks/rootless-netns/'
            'pasta.sock')
    return E.SB.run(['pesto', '-s', sock], user=user).stdout


def cid_of(user, name):
    return podman_ok(user, 'inspect', '--format', '{{.Id}}', name).strip()


# ------------------------------------------------------------ tests


@path_test('bridge networks: podman network create web; run --network web '
           '-p 8080:80 and --network bridge -p 8081:80 are served through '
           'rootlessport, with no lease')
def t_bridge_unprivileged():
    network_create('alice', 'web')
    web = E.run_ctr('alice', '--network', 'web', '-p', '8080:80')
    bridge = E.run_ctr('alice', '--network', 'bridge', '-p', '8081:80')
    served_by(8080, E.page(web))
    served_by(8081, E.page(bridge))
    T.eq(rootlessports('alice'), 2, 'rootlessport processes of alice')
    no_lease()
    podman_ok('alice', 'rm', '-f', '-t', '0', web)
    not_served(8080)
    served_by(8081, E.page(bridge))


@path_test('podman kube play of a pod with hostPort 8080 is served; kube '
           'down ends it')
def t_kube_play_unprivileged():
    path = kube_play('alice', kube_yaml('lpkube', 8080))
    served_by(8080, name_page('lpkube'))
    T.eq(rootlessports('alice'), 1, 'rootlessport processes of alice')
    no_lease()
    kube_down('alice', path)
    not_served(8080)


@path_test('podman-compose with ports 8080:80 and 8443:443: both served; '
           'down ends both')
def t_podman_compose_unprivileged():
    text = compose_yaml('8080:80', '8443:443')
    compose('alice', 'podman-compose', text, 'lpcomp', 'up', '-d')
    cid = cid_of('alice', 'lpcomp_web_1')
    served_by(8080, E.page(cid, 80))
    served_by(8443, E.page(cid, 443))
    T.eq(rootlessports('alice'), 1, 'rootlessport processes of alice')
    no_lease()
    compose('alice', 'podman-compose', text, 'lpcomp', 'down')
    not_served(8080)
    not_served(8443)


@path_test('docker-compose against the user\'s podman system service, '
           'ports 8080:80 and 8443:443: both served; down ends both')
def t_docker_compose_unprivileged():
    text = compose_yaml('8080:80', '8443:443')
    compose('alice', 'docker-compose', text, 'lpdock', 'up', '-d')
    cid = cid_of('alice', 'lpdock-web-1')
    served_by(8080, E.page(cid, 80))
    served_by(8443, E.page(cid, 443))
    T.eq(rootlessports('alice'), 1, 'rootlessport processes of alice')
    no_lease()
    compose('alice', 'docker-compose', text, 'lpdock', 'down')
    not_served(8080)
    not_served(8443)


@path_test('Quadlet: web.network + a .container with Network=web.network and '
           'PublishPort=8080:80, run from the generated units, is served; '
           'ExecStop ends it')
def t_quadlet_network_unprivileged():
    units = quadlet_generate('alice', {
        'lpweb.network': '[Network]\n',
        'lpctr.container': (f'[Container]\nImage={E.IMAGE}\n'
                            'ContainerName=lpctr\nNetwork=lpweb.network\n'
                            'PublishPort=8080:80\n'),
    })
    quadlet_exec('alice', units, 'lpweb-network.service', 'ExecStart')
    start = quadlet_exec('alice', units, 'lpctr.service', 'ExecStart')
    T.check('systemd-lpweb' in start,
            f'the .container does not join the .network: {start}')
    served_by(8080, E.page(cid_of('alice', 'lpctr')))
    T.eq(rootlessports('alice'), 1, 'rootlessport processes of alice')
    no_lease()
    quadlet_exec('alice', units, 'lpctr.service', 'ExecStop')
    not_served(8080)


@path_test('Quadlet: a .kube unit with hostPort 8080, run from the generated '
           'ExecStart, is served; ExecStopPost ends it')
def t_quadlet_kube_unprivileged():
    units = quadlet_generate('alice', {
        'lpqk.yaml': kube_yaml('lpqk', 8080),
        'lpqk.kube': '[Kube]\nYaml=lpqk.yaml\n',
    })
    quadlet_exec('alice', units, 'lpqk.service', 'ExecStart')
    served_by(8080, name_page('lpqk'))
    T.eq(rootlessports('alice'), 1, 'rootlessport processes of alice')
    no_lease()
    quadlet_exec('alice', units, 'lpqk.service', 'ExecStopPost')
    not_served(8080)


@path_test('Podman 6, rootless_port_forwarder = "pasta": --network web -p '
           '8080:80 is served through pesto, the container sees the outside '
           'client\'s address, and rm ends it')
def t_pesto_unprivileged():
    forwarder_pasta('alice')
    network_create('alice', 'web')
    cid = E.run_ctr('alice', '--network', 'web', '-p', '8080:80')
    served_by(8080, E.page(cid))
    peer = E.SB.get(f'http://{E.HOST4}:8080/cgi-bin/peer', outside=True)
    T.check(peer and E.OUT4 in peer,
            f'the container saw the outside client as {peer!r}, '
            f'want {E.OUT4}')
    T.eq(rootlessports('alice'), 0, 'rootlessport processes with pesto')
    table = pesto_table('alice')
    T.check('TCP [0.0.0.0]:8080  =>  ' in table,
            f'pesto -s does not list 8080: {table}')
    no_lease()
    podman_ok('alice', 'rm', '-f', '-t', '0', cid)
    not_served(8080)


@path_test('Quadlet: a .pod with PublishPort=80:80 and a .container in it, '
           'run from the generated units, is served on port 80 through the '
           'pasta shim; the pod\'s ExecStop ends the lease')
def t_quadlet_pod():
    E.need_shim()
    units = quadlet_generate('alice', {
        'lppod.pod': '[Pod]\nPodName=lppod\nPublishPort=80:80\n',
        'lpinpod.container': (f'[Container]\nImage={E.IMAGE}\n'
                              'ContainerName=lpinpod\nPod=lppod.pod\n'),
    })
    quadlet_exec('alice', units, 'lppod-pod.service', 'ExecStartPre')
    quadlet_exec('alice', units, 'lppod-pod.service', 'ExecStart')
    quadlet_exec('alice', units, 'lpinpod.service', 'ExecStart')
    # The container shares the pod's UTS namespace: its hostname is lppod.
    served_by(80, name_page('lppod'))
    lease = E.lease_of('alice', 80)
    T.check(lease, f'no lease for the Quadlet pod: {E.SB.leases()!r}')
    E.expect_release(lambda: quadlet_exec('alice', units, 'lppod-pod.service',
                                          'ExecStop'), lease, 'pod ExecStop')
