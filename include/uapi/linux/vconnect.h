/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vconnect generic netlink interface.
 *
 * Family name VCONNECT_GENL_NAME, version VCONNECT_GENL_VERSION. Every
 * command needs CAP_NET_ADMIN. Documentation/netlink/specs/vconnect.yaml is
 * the YNL spec of this family; keep the two in step.
 *
 * VCONNECT_CMD_VHBA_NEW: create a vHBA.
 *   VCONNECT_A_VHBA_NAME             (string, required) [a-zA-Z0-9_.-]{1,31}
 *   VCONNECT_A_VHBA_INITIATOR_NAME   (string) iqn./eui./naa. name
 *   VCONNECT_A_VHBA_WWPN             (u64) port name; without an initiator
 *                                    name, the name is naa.<WWPN in hex>
 *   VCONNECT_A_VHBA_WWNN             (u64, optional)
 *   VCONNECT_A_VHBA_ISID             (u64, low 48 bits, optional; default:
 *                                    a random-type ISID unique on the host)
 *   VCONNECT_A_VHBA_ALIAS            (string, optional) InitiatorAlias
 *   VCONNECT_A_VHBA_CHAP_USER, _CHAP_SECRET (string, binary) one-way CHAP
 *   VCONNECT_A_VHBA_MCHAP_USER, _MCHAP_SECRET mutual CHAP (needs one-way)
 *   VCONNECT_A_VHBA_HEADER_DIGEST, _DATA_DIGEST (u8 0/1) propose CRC32C
 *   VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT (u32, ms) how long commands wait
 *                                    for a session to come back, default 120000
 *   VCONNECT_A_VHBA_BACKEND_POLICY   (u32, enum vconnect_backend_policy)
 *   One of INITIATOR_NAME and WWPN is required. Initiator name + ISID and
 *   WWPN must be unique on the host.
 *
 * VCONNECT_CMD_VHBA_DEL: VCONNECT_A_VHBA_NAME. Logs out every session,
 *   removes the SCSI host.
 *
 * VCONNECT_CMD_VHBA_GET: with VCONNECT_A_VHBA_NAME one vHBA, as a dump all.
 *   Reply: the VHBA_NEW attributes (never the CHAP secrets), plus
 *   VCONNECT_A_VHBA_HOST_NO, VCONNECT_A_VHBA_BACKEND (string) and one
 *   nested VCONNECT_A_VHBA_TARGET (VCONNECT_A_TARGET_*) per bound target.
 *
 * VCONNECT_CMD_TARGET_ATTACH: bind a target and log in.
 *   VCONNECT_A_VHBA_NAME (required), VCONNECT_A_TARGET_NAME (required),
 *   one or more nested VCONNECT_A_TARGET_PORTAL (VCONNECT_A_PORTAL_ADDR:
 *   4 or 16 bytes, network order; VCONNECT_A_PORTAL_PORT: u16 host order,
 *   default 3260), optional VCONNECT_A_TARGET_LUN (u64, repeatable; none
 *   means all LUNs the target reports).
 *   Returns once the session is logged in, or with the login's error.
 *
 * VCONNECT_CMD_TARGET_DETACH: VCONNECT_A_VHBA_NAME, VCONNECT_A_TARGET_NAME.
 *
 * VCONNECT_CMD_VHBA_RESCAN: VCONNECT_A_VHBA_NAME; REPORT LUNS again.
 *
 * VCONNECT_CMD_DISCOVER: SendTargets discovery. VCONNECT_A_TARGET_PORTAL
 *   (one), VCONNECT_A_VHBA_INITIATOR_NAME (required), optional CHAP attrs.
 *   Reply: one nested VCONNECT_A_DISCOVERED per target
 *   (VCONNECT_A_TARGET_NAME, VCONNECT_A_DISCOVERED_ADDRESS strings as the
 *   target sent them, "addr:port,tpgt").
 *
 * Events (multicast group VCONNECT_MCGRP_EVENTS), command
 * VCONNECT_CMD_EVENT: VCONNECT_A_EVENT_TYPE (u32, enum vconnect_event),
 *   VCONNECT_A_VHBA_NAME, VCONNECT_A_TARGET_NAME, VCONNECT_A_EVENT_ERROR
 *   (s32, negative errno where one applies), VCONNECT_A_EVENT_STALL_US (u64)
 *   for recoveries.
 */
#ifndef _UAPI_LINUX_VCONNECT_H
#define _UAPI_LINUX_VCONNECT_H

#define VCONNECT_GENL_NAME	"vconnect"
#define VCONNECT_GENL_VERSION	1
#define VCONNECT_MCGRP_EVENTS	"events"

#define VCONNECT_VHBA_NAME_MAX	32	/* including the NUL */

enum vconnect_cmd {
	VCONNECT_CMD_UNSPEC,
	VCONNECT_CMD_VHBA_NEW,
	VCONNECT_CMD_VHBA_DEL,
	VCONNECT_CMD_VHBA_GET,
	VCONNECT_CMD_TARGET_ATTACH,
	VCONNECT_CMD_TARGET_DETACH,
	VCONNECT_CMD_VHBA_RESCAN,
	VCONNECT_CMD_DISCOVER,
	VCONNECT_CMD_EVENT,

	__VCONNECT_CMD_MAX,
	VCONNECT_CMD_MAX = __VCONNECT_CMD_MAX - 1
};

enum vconnect_backend_policy {
	VCONNECT_POLICY_AUTO,		/* offload if assignable, else software */
	VCONNECT_POLICY_SOFTWARE,	/* software only */
	VCONNECT_POLICY_PREFER_OFFLOAD,	/* as AUTO, and fail back to offload */
	VCONNECT_POLICY_OFFLOAD,	/* offload only */
};

enum vconnect_session_state {
	VCONNECT_SESSION_FREE,		/* not logged in, not trying */
	VCONNECT_SESSION_LOGGING_IN,
	VCONNECT_SESSION_LOGGED_IN,
	VCONNECT_SESSION_RECOVERING,	/* lost, reinstating; I/O waits */
	VCONNECT_SESSION_FAILED,	/* replacement timeout expired; I/O fails */
};

enum vconnect_event {
	VCONNECT_EVENT_UNSPEC,
	VCONNECT_EVENT_SESSION_UP,
	VCONNECT_EVENT_SESSION_DOWN,
	VCONNECT_EVENT_RECOVERY_START,
	VCONNECT_EVENT_RECOVERY_DONE,
	VCONNECT_EVENT_RECOVERY_TIMEOUT,
	VCONNECT_EVENT_LUNS_CHANGED,
	VCONNECT_EVENT_VHBA_NEW,
	VCONNECT_EVENT_VHBA_DEL,
};

enum vconnect_attr {
	VCONNECT_A_UNSPEC,
	VCONNECT_A_VHBA_NAME,			/* string */
	VCONNECT_A_VHBA_INITIATOR_NAME,		/* string */
	VCONNECT_A_VHBA_WWPN,			/* u64 */
	VCONNECT_A_VHBA_WWNN,			/* u64 */
	VCONNECT_A_VHBA_ISID,			/* u64 */
	VCONNECT_A_VHBA_ALIAS,			/* string */
	VCONNECT_A_VHBA_CHAP_USER,		/* string */
	VCONNECT_A_VHBA_CHAP_SECRET,		/* binary */
	VCONNECT_A_VHBA_MCHAP_USER,		/* string */
	VCONNECT_A_VHBA_MCHAP_SECRET,		/* binary */
	VCONNECT_A_VHBA_HEADER_DIGEST,		/* u8 */
	VCONNECT_A_VHBA_DATA_DIGEST,		/* u8 */
	VCONNECT_A_VHBA_REPLACEMENT_TIMEOUT,	/* u32, ms */
	VCONNECT_A_VHBA_BACKEND_POLICY,		/* u32 */
	VCONNECT_A_VHBA_HOST_NO,		/* u32 */
	VCONNECT_A_VHBA_BACKEND,		/* string */
	VCONNECT_A_VHBA_TARGET,			/* nest, VCONNECT_A_TARGET_* */
	VCONNECT_A_TARGET_NAME,			/* string */
	VCONNECT_A_TARGET_PORTAL,		/* nest, VCONNECT_A_PORTAL_* */
	VCONNECT_A_TARGET_LUN,			/* u64 */
	VCONNECT_A_DISCOVERED,			/* nest */
	VCONNECT_A_DISCOVERED_ADDRESS,		/* string */
	VCONNECT_A_EVENT_TYPE,			/* u32 */
	VCONNECT_A_EVENT_ERROR,			/* s32 */
	VCONNECT_A_EVENT_STALL_US,		/* u64 */
	VCONNECT_A_PAD,

	__VCONNECT_A_MAX,
	VCONNECT_A_MAX = __VCONNECT_A_MAX - 1
};

/* Inside VCONNECT_A_VHBA_TARGET (replies). */
enum vconnect_target_attr {
	VCONNECT_A_TGT_UNSPEC,
	VCONNECT_A_TGT_NAME,			/* string */
	VCONNECT_A_TGT_PORTAL,			/* nest, connected portal */
	VCONNECT_A_TGT_STATE,			/* u32, enum vconnect_session_state */
	VCONNECT_A_TGT_ISID,			/* u64 */
	VCONNECT_A_TGT_TSIH,			/* u16 */
	VCONNECT_A_TGT_SCSI_ID,			/* u32, SCSI target id on the host */
	VCONNECT_A_TGT_NR_LUNS,			/* u32 */
	VCONNECT_A_TGT_CMDS,			/* u64 */
	VCONNECT_A_TGT_READ_BYTES,		/* u64 */
	VCONNECT_A_TGT_WRITE_BYTES,		/* u64 */
	VCONNECT_A_TGT_ERRORS,			/* u64 */
	VCONNECT_A_TGT_RECOVERIES,		/* u64 */
	VCONNECT_A_TGT_HEADER_DIGEST,		/* u8 */
	VCONNECT_A_TGT_DATA_DIGEST,		/* u8 */
	VCONNECT_A_TGT_MAX_RECV_DSL,		/* u32 */
	VCONNECT_A_TGT_MAX_XMIT_DSL,		/* u32 */
	VCONNECT_A_TGT_MAX_BURST,		/* u32 */
	VCONNECT_A_TGT_FIRST_BURST,		/* u32 */
	VCONNECT_A_TGT_INITIAL_R2T,		/* u8 */
	VCONNECT_A_TGT_IMMEDIATE_DATA,		/* u8 */
	VCONNECT_A_TGT_LAST_ERROR,		/* s32 */
	VCONNECT_A_TGT_PAD,

	__VCONNECT_A_TGT_MAX,
	VCONNECT_A_TGT_MAX = __VCONNECT_A_TGT_MAX - 1
};

/* Inside VCONNECT_A_TARGET_PORTAL / VCONNECT_A_TGT_PORTAL. */
enum vconnect_portal_attr {
	VCONNECT_A_PORTAL_UNSPEC,
	VCONNECT_A_PORTAL_ADDR,			/* binary, 4 or 16 bytes */
	VCONNECT_A_PORTAL_PORT,			/* u16 */

	__VCONNECT_A_PORTAL_MAX,
	VCONNECT_A_PORTAL_MAX = __VCONNECT_A_PORTAL_MAX - 1
};

#endif /* _UAPI_LINUX_VCONNECT_H */
