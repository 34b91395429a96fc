// SPDX-License-Identifier: GPL-2.0
/*
 * `tlshelper daemon`: what tlsh.ko reports on TLSH_MCGRP_EVENTS about the
 * connections it ended after the hand-off (the peer's fatal alert,
 * KeyUpdate, renegotiation attempt, unexpected message). One log line and
 * one count per event, for the whole daemon and for the listener the
 * connection came from; the peer's close_notify is not reported (the
 * module counts it). Main thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon_worker.h"
#include "tls/err.h"
#include "tls/msg.h"

void tlshd_events_open(struct tlshd *d)
{
	int err = tlsh_nl_open(&d->evsub);

	if (!err)
		err = tlsh_nl_join_events(&d->evsub);
	if (!err)
		return;
	tlshd_log("%s: post-handshake events are not logged",
		  d->evsub.errmsg);
	tlsh_nl_close(&d->evsub);
}

/* What the peer did and what became of the connection, for the log. */
static void describe(const struct tlsh_nl_event *ev, char *buf, size_t len)
{
	const char *alert = tlsh_alert_name((unsigned int)ev->alert_desc);

	switch (ev->kind) {
	case TLSH_EVENT_ALERT:
		if (ev->alert_desc >= 0 && strcmp(alert, "alert"))
			snprintf(buf, len, "fatal alert %s (%d): connection reset",
				 alert, ev->alert_desc);
		else
			snprintf(buf, len, "fatal alert %d: connection reset",
				 ev->alert_desc);
		break;
	case TLSH_EVENT_BAD_ALERT:
		snprintf(buf, len,
			 "malformed alert: connection ended with decode_error");
		break;
	case TLSH_EVENT_KEY_UPDATE:
		snprintf(buf, len,
			 "key update: connection ended (kTLS cannot rekey; close_notify sent)");
		break;
	case TLSH_EVENT_RENEGOTIATION:
		snprintf(buf, len,
			 "renegotiation attempt: refused with no_renegotiation, connection ended");
		break;
	case TLSH_EVENT_UNEXPECTED_HANDSHAKE:
		if (ev->hs_type < 0)
			snprintf(buf, len,
				 "empty handshake record: connection ended with unexpected_message");
		else
			snprintf(buf, len,
				 "unexpected handshake message %s (type %d): connection ended with unexpected_message",
				 tlsh_msg_name((uint16_t)ev->hs_type),
				 ev->hs_type);
		break;
	case TLSH_EVENT_UNEXPECTED_RECORD:
		snprintf(buf, len,
			 "unexpected record of content type %d: connection ended with unexpected_message",
			 ev->record_type);
		break;
	default:
		snprintf(buf, len, "event %u (unknown to this tlshelper)",
			 ev->kind);
		break;
	}
}

static void handle(struct tlshd *d, const struct tlsh_nl_event *ev)
{
	unsigned int slot = ev->kind <= TLSH_EVENT_MAX ? ev->kind : 0;
	struct tlshd_listener *l = tlshd_find_listener(d, ev->listener_id);
	char what[200];

	describe(ev, what, sizeof(what));
	tlshd_log("listener %u peer %s: %s", ev->listener_id, ev->peer, what);
	d->events[slot]++;
	if (l)
		l->events[slot]++;
}

void tlshd_events_read(struct tlshd *d)
{
	struct tlsh_nl_event ev;
	int err;

	for (;;) {
		err = tlsh_nl_read_event(&d->evsub, &ev);
		if (err == -EAGAIN)
			return;
		if (err == -EINTR)
			continue;
		if (err == -ENOBUFS) {
			d->events_lost++;
			tlshd_log("post-handshake events were lost (receive buffer full); tlsh.ko's counters have them all");
			continue;
		}
		if (err) {
			tlshd_log("reading post-handshake events: %s",
				  strerror(-err));
			return;
		}
		handle(d, &ev);
	}
}

size_t tlshd_events_format(const unsigned long *counts, char *out,
			   size_t len)
{
	size_t used = 0;
	unsigned int i;

	for (i = 0; i <= TLSH_EVENT_MAX && used < len; i++) {
		const char *name = tlsh_event_name(i);

		if (counts[i])
			used += (size_t)snprintf(out + used, len - used,
						 " ev-%s=%lu",
						 name ? name : "other",
						 counts[i]);
	}
	return used < len ? used : len;
}
