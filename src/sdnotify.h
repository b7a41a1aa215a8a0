/*
 * sdnotify.h - systemd's readiness protocol (sd_notify(3)) without
 * libsystemd: one datagram to $NOTIFY_SOCKET.  Without that variable (not
 * started by systemd with Type=notify) every call does nothing.
 */
#ifndef TOCSIN_SDNOTIFY_H
#define TOCSIN_SDNOTIFY_H

/* Sends state ("READY=1", "RELOADING=1\nMONOTONIC_USEC=...", "STOPPING=1",
 * "STATUS=..."); returns 1 when sent, 0 when there is no socket, -1 on
 * error. */
int sdnotify(const char *state);

/* "RELOADING=1" with the MONOTONIC_USEC systemd 253 wants. */
int sdnotify_reloading(void);

#endif
