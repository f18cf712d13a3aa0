// SPDX-License-Identifier: GPL-2.0-or-later
/* placeholder during bootstrap; replaced by the real daemon entry point */
int main(void)
{
	return 1;
}
