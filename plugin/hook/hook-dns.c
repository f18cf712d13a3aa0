// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * hook-dns.c - DNS-only lookups of host names, and which answers to refuse
 *
 * A host name entry is looked up in the DNS only, through the resolvers
 * of the resolv.conf the lookup child has bound over /etc/resolv.conf
 * (hook-resolve.c): res_nquery() for A and AAAA, not getaddrinfo(), so
 * the host's Name Service Switch (/etc/hosts, nss-resolve, nscd and its
 * cache, other modules) plays no part. No search domains are applied.
 *
 * Answers are not authenticated (no DNSSEC validation), so a name may be
 * made to point anywhere; the answers that would open a way to the host
 * itself rather than to a remote destination are refused for names:
 * loopback, link-local (pasta maps the host to 169.254.1.2 by default)
 * and unspecified addresses, IPv4-mapped ones included. An address entry
 * may still name them explicitly.
 *
 * Copyright lowport authors
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

#include "hook/hook-dns.h"

/* Largest DNS message accepted (TCP answers included) */
#define DNS_ANSWER_MAX 65535

/**
 * dns_answers() - Write the addresses of one answer as lines
 * @out:	Pipe to the parent
 * @i:		Name index
 * @msg:	DNS message
 * @len:	Its length
 * @type:	ns_t_a or ns_t_aaaa
 * @n:		Addresses written so far for this name, updated
 */
static void dns_answers(FILE *out, unsigned int i, const unsigned char *msg,
			int len, int type, unsigned int *n)
{
	char buf[INET6_ADDRSTRLEN];
	ns_msg h;
	ns_rr rr;
	int k;

	if (ns_initparse(msg, len, &h) < 0)
		return;
	for (k = 0; k < ns_msg_count(h, ns_s_an); k++) {
		size_t alen = type == ns_t_a ? 4 : 16;

		if (*n >= LP_HOOK_ADDRS_PER_NAME_MAX)
			return;
		if (ns_parserr(&h, ns_s_an, k, &rr) < 0)
			return;
		if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in ||
		    ns_rr_rdlen(rr) != alen)
			continue;
		inet_ntop(type == ns_t_a ? AF_INET : AF_INET6, ns_rr_rdata(rr),
			  buf, sizeof(buf));
		fprintf(out, "%u %c %s\n", i, type == ns_t_a ? '4' : '6', buf);
		(*n)++;
	}
}

/**
 * lp_hook_dns_lookup() - Look a name up (A and AAAA) in the DNS only and
 *			  write its answer lines
 * @out:	Pipe to the parent
 * @i:		Name index
 * @name:	Host name
 *
 * Lines are "INDEX 4 ADDRESS", "INDEX 6 ADDRESS", or one "INDEX E
 * MESSAGE" when neither query gave an address.
 */
void lp_hook_dns_lookup(FILE *out, unsigned int i, const char *name)
{
	static const int types[] = {ns_t_a, ns_t_aaaa};
	g_autofree unsigned char *msg = g_malloc(DNS_ANSWER_MAX);
	struct __res_state st;
	int herr = NO_DATA;
	unsigned int n = 0, t;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0) {
		fprintf(out, "%u E cannot read the resolver configuration\n",
			i);
		return;
	}
	st.options &= ~(RES_DEFNAMES | RES_DNSRCH);
	for (t = 0; t < G_N_ELEMENTS(types); t++) {
		int len = res_nquery(&st, name, ns_c_in, types[t], msg,
				     DNS_ANSWER_MAX);

		if (len < 0) {
			if (herr == NO_DATA)
				herr = st.res_h_errno;
			continue;
		}
		dns_answers(out, i, msg, MIN(len, DNS_ANSWER_MAX), types[t],
			    &n);
	}
	if (!n)
		fprintf(out, "%u E %s\n", i,
			herr == HOST_NOT_FOUND ? "no such name in the DNS"
			: herr == TRY_AGAIN    ? "no answer from the resolvers"
			: herr == NO_DATA      ? "no A or AAAA record"
					       : hstrerror(herr));
	res_nclose(&st);
}

/**
 * lp_hook_dns_refused() - Whether a name's answer must be refused
 * @a:		Address
 *
 * Return: why (for the message), NULL if the address is acceptable
 */
const char *lp_hook_dns_refused(const LpHookAddr *a)
{
	uint32_t v4;

	if (a->family == AF_INET6) {
		const struct in6_addr *v6 = &a->addr.v6;

		if (IN6_IS_ADDR_LOOPBACK(v6))
			return "loopback";
		if (IN6_IS_ADDR_LINKLOCAL(v6))
			return "link-local";
		if (IN6_IS_ADDR_UNSPECIFIED(v6))
			return "unspecified";
		if (!IN6_IS_ADDR_V4MAPPED(v6))
			return NULL;
		memcpy(&v4, &v6->s6_addr[12], sizeof(v4));
	} else {
		v4 = a->addr.v4.s_addr;
	}
	v4 = ntohl(v4);
	if (v4 >> 24 == 127)
		return "loopback";
	if (v4 >> 16 == (169 << 8 | 254))
		return "link-local (pasta's address for the host?)";
	if (v4 >> 24 == 0)
		return "unspecified";
	return NULL;
}
