/*
 * receivers.c - the table of integrations, in the order Alertmanager's
 * BuildReceiverIntegrations builds them for a receiver.
 */
#include "receiver.h"

const struct receiver_ops *const receivers_all[] = {
	&receiver_webhook,
	&receiver_email,
	&receiver_pagerduty,
	&receiver_slack,
	NULL,
};
