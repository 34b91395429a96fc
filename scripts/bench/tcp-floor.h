/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The flights of `loadgen -P` and tcp-floor: about the sizes of a TLS 1.3
 * handshake's (a ClientHello with key shares, the server's flight with an
 * ECDSA certificate, the client's Finished).
 */
#ifndef TLSH_BENCH_TCP_FLOOR_H
#define TLSH_BENCH_TCP_FLOOR_H

#define TCP_FLOOR_CH	400
#define TCP_FLOOR_SH	1000
#define TCP_FLOOR_FIN	80

#endif
