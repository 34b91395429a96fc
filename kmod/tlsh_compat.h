/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernels tlsh.ko builds for, and the kernel interfaces that differ
 * between them. Only the helpers here look at the TLSH_HAVE_* flags; the
 * rest of the module calls the helpers.
 *
 * Each supported kernel is one section below, saying which interfaces it
 * has. Supporting another kernel is a new section, plus a helper wherever
 * an interface the module uses changed. Kernels nobody has built and
 * tested the module on are refused, not guessed at.
 *
 *   6.1   Debian 12's default kernel: the baseline.
 *   6.12  Debian 12's newer kernel (Debian 13's):
 *         - proto_ops->accept and proto->accept take struct
 *           proto_accept_arg (6.10);
 *         - proto_ops->sendpage is gone (6.5): sendfile() reaches the
 *           socket through ->sendmsg with MSG_SPLICE_PAGES, then
 *           ->splice_eof, both of which the module wraps anyway;
 *         - SOL_SOCKET options reach proto_ops->setsockopt, instead of
 *           sock_setsockopt(), on a socket with SOCK_CUSTOM_SOCKOPT set.
 */
#ifndef _TLSH_COMPAT_H
#define _TLSH_COMPAT_H

#include <linux/bitops.h>
#include <linux/net.h>
#include <net/sock.h>

/* TLSH_KERNEL_<version>_<patchlevel>: from Kbuild. */
#if defined(TLSH_KERNEL_6_1)
#define TLSH_HAVE_SENDPAGE
#elif defined(TLSH_KERNEL_6_12)
#define TLSH_HAVE_ACCEPT_ARG
#define TLSH_HAVE_CUSTOM_SOL_SOCKET
#else
#error "tlsh.ko is built and tested for Linux 6.1 and 6.12 only"
#endif

/*
 * accept(): what the listener's override needs of the kernel's arguments,
 * which it passes on untouched to the accept it overrides.
 * tlsh_listener_accept_op() is that override (tlsh_listener.c) with the
 * kernel's proto_ops->accept signature.
 */
struct tlsh_accept_arg;
int tlsh_listener_accept(struct socket *sock, struct socket *newsock,
			 struct tlsh_accept_arg *arg);

#ifdef TLSH_HAVE_ACCEPT_ARG

struct tlsh_accept_arg {
	struct proto_accept_arg *karg;
};

static inline int tlsh_listener_accept_op(struct socket *sock,
					  struct socket *newsock,
					  struct proto_accept_arg *karg)
{
	struct tlsh_accept_arg arg = { .karg = karg };

	return tlsh_listener_accept(sock, newsock, &arg);
}

static inline int tlsh_accept_flags(const struct tlsh_accept_arg *arg)
{
	return arg->karg->flags;
}

static inline int tlsh_ops_accept(const struct proto_ops *ops,
				  struct socket *sock, struct socket *newsock,
				  struct tlsh_accept_arg *arg)
{
	return ops->accept(sock, newsock, arg->karg);
}

#else /* !TLSH_HAVE_ACCEPT_ARG */

struct tlsh_accept_arg {
	int flags;
	bool kern;
};

static inline int tlsh_listener_accept_op(struct socket *sock,
					  struct socket *newsock,
					  int flags, bool kern)
{
	struct tlsh_accept_arg arg = { .flags = flags, .kern = kern };

	return tlsh_listener_accept(sock, newsock, &arg);
}

static inline int tlsh_accept_flags(const struct tlsh_accept_arg *arg)
{
	return arg->flags;
}

static inline int tlsh_ops_accept(const struct proto_ops *ops,
				  struct socket *sock, struct socket *newsock,
				  struct tlsh_accept_arg *arg)
{
	return ops->accept(sock, newsock, arg->flags, arg->kern);
}

#endif /* TLSH_HAVE_ACCEPT_ARG */

/*
 * sendpage(): a wrapper for a kernel without ->sendpage is never installed
 * (nor called); it still compiles, so that the module's logic is the same
 * on every kernel.
 */
#ifdef TLSH_HAVE_SENDPAGE

#define tlsh_ops_set_sendpage(ops, fn)	((ops)->sendpage = (fn))

static inline ssize_t tlsh_ops_sendpage(const struct proto_ops *ops,
					struct socket *sock, struct page *page,
					int offset, size_t size, int flags)
{
	return ops->sendpage(sock, page, offset, size, flags);
}

#else /* !TLSH_HAVE_SENDPAGE */

#define tlsh_ops_set_sendpage(ops, fn)	((void)(ops), (void)(fn))

static inline ssize_t tlsh_ops_sendpage(const struct proto_ops *ops,
					struct socket *sock, struct page *page,
					int offset, size_t size, int flags)
{
	return -EOPNOTSUPP;
}

#endif /* TLSH_HAVE_SENDPAGE */

/*
 * SOL_SOCKET options: make a socket's own setsockopt see them (so that it
 * can refuse one), or stop it. Where the kernel cannot, this does nothing
 * and they go to sock_setsockopt() whatever the socket's ops.
 */
#ifdef TLSH_HAVE_CUSTOM_SOL_SOCKET

static inline void tlsh_set_sol_socket_via_ops(struct socket *sock, bool on)
{
	if (on)
		set_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);
	else
		clear_bit(SOCK_CUSTOM_SOCKOPT, &sock->flags);
}

#else /* !TLSH_HAVE_CUSTOM_SOL_SOCKET */

static inline void tlsh_set_sol_socket_via_ops(struct socket *sock, bool on)
{
}

#endif /* TLSH_HAVE_CUSTOM_SOL_SOCKET */

#endif /* _TLSH_COMPAT_H */
