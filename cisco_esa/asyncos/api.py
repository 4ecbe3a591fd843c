"""The AsyncOS REST API, one method per endpoint (asyncos-api.md): paths, fixed parameters, body
shapes and page sizes live here and nowhere else. Methods return the transport's Response (status
and decoded body); turning bodies into plain rows is the parsers' job."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from cisco_esa.asyncos.files import FileAnswer, get_file
from cisco_esa.asyncos.transport import Response, Transport
from cisco_esa.core.outcome import ApplianceError, CommandError, NotFound, UnexpectedResponse

TRACKING_PAGE = 100     # the appliance's page cap for message tracking (§1.4)
QUARANTINE_PAGE = 100   # the documented cap is 250 (§1.4); 100 keeps each answer small
LIST_PAGE = 100
PVO_PAGE = 100          # confirmed by two clients; one script uses 250 (ext §14.2)

# Always sent with a tracking search: every managed host, messages rather than connections (§2.1).
TRACKING_FIXED = {"ciscoHost": "All_Hosts", "searchOption": "messages"}
# Lower-case f in "filter" is the real spelling, capital O/V for attachments (§2.1).
TRACKING_CONTAINS = {
    "subject": ("subjectfilterOperator", "subjectfilterValue"),
    "sender": ("envelopeSenderfilterOperator", "envelopeSenderfilterValue"),
    "recipient": ("envelopeRecipientfilterOperator", "envelopeRecipientfilterValue"),
    "attachment_name": ("attachmentNameOperator", "attachmentNameValue"),
}
TRACKING_SHA256 = "fileSha256"
TRACKING_MESSAGE_ID = "messageIdHeader"
# The other filter names the appliance takes (§2.1); ciscoHost may name one managed ESA on SMA.
TRACKING_FILTERS = (
    "ciscoHost", "senderIp", "ciscoMid", "domainNameOperator", "domainNameValue", "replyToOperator",
    "replyToValue", "deliveryStatus",
    "spamPositive", "quarantinedAsSpam", "suspectSpam", "virusPositive", "containedMaliciousUrls",
    "containedNeutralUrls", "graymail", "message_delivered", "hardBounced", "softBounced",
    "inOutbreakQuarantine", "daneFailure", "safeprintExt",
    "quarantineStatus", "messageDirection", "urlReputation", "dlpViolationsSeverities", "dlpAction",
    "dmarcAction", "advancedMalwareProtection", "advancedMalwareProtectionMailflowDirection",
    "macroFileTypesDetected", "macroMailflowDirection", "contentFiltersName", "contentFiltersDirection",
    "contentFiltersAction", "mailPolicyName", "mailPolicyDirection", "sdrCategories", "sdrThreatLevels",
    "sdrReputation", "ipReputation", "urlCategories", "quarantinedTo", "threatName", "geoLocation",
    "etfSources", "etfIocs", "smime", "appForwarding", "webInteractionTrackingUrls",
    "webInteractionTrackingMailflowDirection",
)
# Query keys a search sets itself, so no free-form filter may carry them.
TRACKING_RESERVED = ("startDate", "endDate", "offset", "limit", "searchOption")

# The spec's display values -> the spam quarantine's words, lower case (§5.1).
SPAM_FILTER_BY = {"From_Address": "from_address", "To_Address": "to_address", "Subject": "subject"}
SPAM_OPERATORS = {"Contains": "contains", "Is": "is", "Begins_With": "begins_with", "Ends_With": "ends_with",
                  "Does_Not_Contain": "does_not_contain"}
LISTS = {"Blocklist": "blocklist", "Safelist": "safelist"}
LIST_VIEWS = {"Recipient": "recipient", "Sender": "sender"}
LIST_ACTIONS = {"Add": "add", "Edit": "edit", "Append": "append"}
REPORT_DIRECTIONS = {"Ascending": "asc", "Descending": "desc"}
REPORT_OPERATORS = {"Begins With": "begins_with", "Is": "is"}

# PVO vocabulary, its own and not spam's (ext §14.2, §14.6): display value -> the appliance's word.
PVO_SYSTEM_QUARANTINES = ("Outbreak", "Virus", "File Analysis", "Unclassified", "Policy")
PVO_OPERATORS = {"Contains": "contains", "Starts_With": "starts_with", "Ends_With": "ends_with",
                 "Matches_Exactly": "matches_exactly", "Does_Not_Contain": "does_not_contain",
                 "Does_Not_Start_With": "does_not_start_with", "Does_Not_End_With": "does_not_end_with",
                 "Does_Not_Match": "does_not_match"}
# capital F and ...By, not ...Operator (ext §14.2)
PVO_FILTERS = {"subject": ("subjectFilterBy", "subjectFilterValue"),
               "envelope_sender": ("envelopeSenderFilterBy", "envelopeSenderFilterValue"),
               "envelope_recipient": ("envelopeRecipientFilterBy", "envelopeRecipientFilterValue")}
PVO_ORDER_BY = {"Received": "received", "Sender": "sender", "Subject": "subject", "Scheduled_Exit": "scheduledExit",
                "Size": "size"}
PVO_SIZE_FILTERS = {"Range": "range", "Less_Than": "less_than", "More_Than": "more_than"}
PVO_SIZE_KEYS = ("attachmentSizeFilterBy", "attachmentSizeFromValue", "attachmentSizeToValue")  # sizes in KB
PVO_ESA_IP = "originatingEsaIp"
PVO_ATTACHMENT_NAME = "attachmentName"


@dataclass
class Pages:
    rows: list = field(default_factory=list)
    requests: int = 0
    truncated: bool = False  # the cap stopped us while the appliance may have had more


def data_rows(body: Any, what: str) -> list:
    """The `data` array of a list answer."""
    if not isinstance(body, dict) or "data" not in body:
        raise UnexpectedResponse(f"the answer to {what} has no data.")
    rows = body["data"]
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise UnexpectedResponse(f"the data of {what} is not a list.")
    return rows


class AsyncOS:
    """The appliance's API over one Transport (thread-safe, as the transport is)."""

    def __init__(self, transport: Transport, cluster: dict | None = None):
        self.transport = transport
        # mode / group_name / host_name of the configuration APIs; empty on a standalone appliance
        self.cluster = dict(cluster or {})

    @property
    def appliance(self) -> str:
        return self.transport.appliance

    # -- account (§1.2, §1.6) -------------------------------------------------------------
    def login(self) -> dict | None:
        """Log in now (JWT) and return what the appliance said about the account."""
        return self.transport.ensure_login()

    def privileges(self) -> Response:
        return self.transport.get("login/privileges")

    def appliance_time(self) -> datetime | None:
        """The appliance's clock from the Date of its latest answer (None before any answer)."""
        return self.transport.clock.now()

    def probe_time(self) -> datetime | None:
        """The appliance's clock now, at the cost of one cheap read (whatever its answer)."""
        try:
            self.privileges()
        except CommandError:
            pass
        return self.appliance_time()

    # -- message tracking (§2-§4) ------------------------------------------------------
    def tracking_messages(self, start: str, end: str, filters: dict, offset: int, limit: int) -> Response:
        """GET message-tracking/messages: one page, newest first (§2)."""
        query = {"startDate": start, "endDate": end, **TRACKING_FIXED, **filters, "offset": offset, "limit": limit}
        return self.transport.get("message-tracking/messages", query)

    def tracking_page(self, start: str, end: str, filters: dict, offset: int, limit: int) -> list:
        return data_rows(self.tracking_messages(start, end, filters, offset, limit).body, "message-tracking/messages")

    def tracking_search(self, start: str, end: str, filters: dict, *, cap: int,
                        on_page: Callable[[int], None] | None = None) -> Pages:
        return _page_all(lambda offset, limit: self.tracking_page(start, end, filters, offset, limit),
                         TRACKING_PAGE, cap, on_page)

    def message_details(self, serial: str, mid: int, icid: int | None = None) -> Response:
        return self._details("details", serial, mid, icid)

    def amp_details(self, serial: str, mid: int, icid: int | None = None) -> Response:
        return self._details("amp-details", serial, mid, icid)

    def dlp_details(self, serial: str, mid: int, icid: int | None = None) -> Response:
        return self._details("dlp-details", serial, mid, icid)

    def url_details(self, serial: str, mid: int, icid: int | None = None) -> Response:
        return self._details("url-details", serial, mid, icid)

    def _details(self, endpoint: str, serial: str, mid: int, icid: int | None) -> Response:
        return self.transport.get(f"message-tracking/{endpoint}", {"serialNumber": serial, "mid": mid, "icid": icid})

    # -- spam quarantine (§5-§7) -------------------------------------------------------
    def spam_page(self, start: str, end: str, filters: dict, offset: int, limit: int, *,
                  oldest_first: bool = False) -> list:
        """One page of GET quarantine/messages of the spam quarantine, ordered by date (§5.1)."""
        query = {"quarantineType": "spam", "startDate": start, "endDate": end, "orderBy": "date",
                 "orderDir": "asc" if oldest_first else "desc", **filters, "offset": offset, "limit": limit}
        return data_rows(self.transport.get("quarantine/messages", query).body, "quarantine/messages")

    def spam_search(self, start: str, end: str, filters: dict, *, cap: int,
                    on_page: Callable[[int], None] | None = None) -> Pages:
        return _page_all(lambda offset, limit: self.spam_page(start, end, filters, offset, limit),
                         QUARANTINE_PAGE, cap, on_page)

    def spam_details(self, mid: int) -> Response:
        return self._quarantine_details(mid, "spam")

    def _quarantine_details(self, mid: int, kind: str) -> Response:
        try:
            return self.transport.get("quarantine/messages/details", {"mid": mid, "quarantineType": kind})
        except ApplianceError as exc:
            if exc.status_code == 404:
                # how an unknown mid is answered is documented neither for spam (§6) nor for PVO
                # (ext §14.3): a 404 reads as "not found"
                raise NotFound(f"Message ID {mid} not found.", raw=exc.raw) from None
            raise

    def release_spam(self, mid: int) -> Response:
        return self.transport.post("quarantine/messages", {"action": "release", "quarantineType": "spam", "mids": [mid]})

    def delete_spam(self, mid: int) -> Response:
        # delete is a DELETE with a body and no action key (§7)
        return self.transport.delete("quarantine/messages", {"quarantineType": "spam", "mids": [mid]})

    # -- safelist / blocklist (§8) -----------------------------------------------------
    def list_view(self, kind: str, view: str, *, cap: int, search: str | None = None,
                  on_page: Callable[[int], None] | None = None) -> Pages:
        """Every page of one view. `search` is honoured only with the recipient view or order, so
        both are sent as the view itself (§8.1)."""
        query = {"action": "view", "quarantineType": "spam", "viewBy": view, "orderBy": view, "orderDir": "asc",
                 "search": search}

        def page(offset: int, limit: int) -> list:
            body = self.transport.get(f"quarantine/{kind}", {**query, "offset": offset, "limit": limit}).body
            return data_rows(body, f"quarantine/{kind}")

        return _page_all(page, LIST_PAGE, cap, on_page)

    def change_list(self, kind: str, action: str, view: str, keys: list[str], values: list[str]) -> Response:
        """POST add / edit / append (§8.2): by recipient the keys go in recipientAddresses and the
        senders in senderList; by sender the keys go in senderAddresses and the recipients in recipientList."""
        lists = {"recipientAddresses": keys, "senderList": values} if view == "recipient" else \
            {"senderAddresses": keys, "recipientList": values}
        return self.transport.post(f"quarantine/{kind}", {"action": action, "quarantineType": "spam", "viewBy": view,
                                                          **lists})

    def delete_list_entry(self, kind: str, view: str, key: str) -> Response:
        # DELETE deletes whole entries and takes no `action` key (§8.3)
        field_name = "recipientList" if view == "recipient" else "senderList"
        return self.transport.delete(f"quarantine/{kind}", {"quarantineType": "spam", "viewBy": view,
                                                            field_name: [key]})

    # -- reporting (§9) ----------------------------------------------------------------
    def report(self, group: str, counter: str | None, query: dict) -> Response:
        # group and counter come from input: each one a single encoded path segment
        segments = ("reporting", group, counter) if counter else ("reporting", group)
        return self.transport.get(Transport.path(*segments), query)

    # -- PVO quarantines (ext §14) --------------------------------------------------------
    def pvo_quarantine_list(self) -> Response:
        """GET config/quarantines, seen on SMA only; snake_case query keys here (ext §14.1.1)."""
        return self.transport.get("config/quarantines", {"device_type": "sma", "quarantine_type": "pvo"})

    def pvo_page(self, start: str, end: str, quarantines: list[str], filters: dict, offset: int, limit: int,
                 order_by: str = "received", order_dir: str = "desc") -> tuple[list, int | None]:
        """One page of GET quarantine/messages?quarantineType=pvo and the grand total it reports (ext §14.2).
        The names travel as typed, comma-joined; the transport encodes a space as %20 (ext §19 point 2)."""
        query = {"quarantineType": "pvo", "quarantines": ",".join(quarantines), "startDate": start, "endDate": end,
                 "orderBy": order_by, "orderDir": order_dir, **filters, "offset": offset, "limit": limit}
        body = self.transport.get("quarantine/messages", query).body
        rows = data_rows(body, "quarantine/messages")
        meta = body.get("meta") if isinstance(body, dict) else None
        total = meta.get("totalCount") if isinstance(meta, dict) else None
        return rows[:limit], total if isinstance(total, int) and not isinstance(total, bool) else None

    def pvo_search(self, start: str, end: str, quarantines: list[str], filters: dict, *, cap: int,
                   order_by: str = "received", order_dir: str = "desc",
                   on_page: Callable[[int], None] | None = None) -> Pages:
        """Every page up to `cap`. Here meta.totalCount is the grand total (ext §14.2), so paging stops
        exactly there; a page that brings nothing before the total is reached fails the search."""
        out = Pages()
        previous: list | None = None
        while len(out.rows) < cap:
            size = min(PVO_PAGE, cap - len(out.rows))
            rows, total = self.pvo_page(start, end, quarantines, filters, len(out.rows), size, order_by, order_dir)
            out.requests += 1
            if out.rows and rows and rows == previous:
                # as _page_all: an appliance (or proxy) ignoring offset would repeat this page for ever
                raise UnexpectedResponse(f"the page at offset {len(out.rows)} repeats the page before it: the "
                                         "appliance (or a proxy in between) ignores offset.")
            previous = rows
            out.rows.extend(rows)
            if on_page:
                on_page(len(out.rows))
            if total is None:  # no grand total: page as elsewhere, until a short page
                if len(rows) < size:
                    return out
            elif len(out.rows) >= total:
                return out
            elif not rows:
                raise UnexpectedResponse(f"the PVO search reported {total} messages but page {out.requests} "
                                         f"brought none after {len(out.rows)}.")
        out.truncated = True
        return out

    def pvo_details(self, mid: int) -> Response:
        return self._quarantine_details(mid, "pvo")

    def _pvo_action(self, method: str, body: dict) -> Response:
        # one MID per call: the answer is only a total (ext §14.4)
        body = {**body, "quarantineType": "pvo"}
        if method == "DELETE":
            return self.transport.delete("quarantine/messages", body)
        return self.transport.post("quarantine/messages", body)

    def release_pvo(self, mid: int, quarantine: str) -> Response:
        return self._pvo_action("POST", {"action": "release", "quarantineName": quarantine, "mids": [mid]})

    def delete_pvo(self, mid: int, quarantine: str) -> Response:
        # a DELETE with no action key, as for spam (ext §14.4)
        return self._pvo_action("DELETE", {"quarantineName": quarantine, "mids": [mid]})

    def move_pvo(self, mid: int, quarantine: str, destination: str) -> Response:
        return self._pvo_action("POST", {"action": "move", "quarantineName": quarantine,
                                         "destinationQuarantineName": destination, "mids": [mid]})

    def send_copy_pvo(self, mid: int, quarantine: str, recipients: list[str]) -> Response:
        # recipients as a proper array, never one comma-joined string (ext §14.4)
        return self._pvo_action("POST", {"action": "sendCopy", "quarantineName": quarantine, "mids": [mid],
                                         "recipients": list(recipients)})

    def pvo_attachment(self, mid: int, attachment_id: int) -> FileAnswer:
        """The file as the appliance sends it: base64 text named by Content-Disposition (ext §14.5)."""
        try:
            return get_file(self.transport, "quarantine/messages/attachment",
                            {"mid": mid, "attachmentId": attachment_id, "quarantineType": "pvo"})
        except ApplianceError as exc:
            if exc.status_code == 404:
                raise NotFound(f"Attachment {attachment_id} of message ID {mid} not found.", raw=exc.raw) from None
            raise

    # -- message-tracking extras (ext §15) ----------------------------------------------
    def rejected_connections(self, start: str, end: str, filters: dict, *, cap: int,
                             on_page: Callable[[int], None] | None = None) -> Pages:
        """SMTP connections the HAT refused; they page like tracking messages (ext §15.1)."""
        fixed = {**TRACKING_FIXED, "searchOption": "rejected_connections"}

        def page(offset: int, limit: int) -> list:
            query = {"startDate": start, "endDate": end, **fixed, **filters, "offset": offset, "limit": limit}
            return data_rows(self.transport.get("message-tracking/messages", query).body, "message-tracking/messages")

        return _page_all(page, TRACKING_PAGE, cap, on_page)

    def connection_details(self, serial: str, icid: int, mid: int | None = None) -> Response:
        # the Swagger's camelCase names, not one client's sma_serial_number (ext §15.2)
        return self.transport.get("message-tracking/connection-details",
                                  {"serialNumber": serial, "icid": icid, "mid": mid})

    def remediation_details(self, serial: str, mid: int) -> Response:
        # names as for connection details, the likelier reading of ext §15.3
        return self.transport.get("message-tracking/remediation-details", {"serialNumber": serial, "mid": mid})

    # -- health (ext §18.1) ---------------------------------------------------------------
    def health(self) -> Response:
        return self.transport.get("health")
    # -- configuration (ext §16) -------------------------------------------------------
    def config_query(self) -> dict:
        # device_type on every call; mode only when the operator configured a cluster (§16.1)
        return {"device_type": "esa", **self.cluster}

    def _config(self, method: str, feature: str, *segments: str, body: Any = None, what: str | None = None,
                slash: bool = False) -> Response:
        """One configuration call. A 404 on the feature's own path means this AsyncOS release lacks
        the API (§16.1); on a named object (`what`) it may also mean the object does not exist, so
        the feature's cheapest read tells the two apart."""
        if self.appliance == "sma":
            raise CommandError("The configuration APIs exist on an ESA only; this connection is to an SMA.", None)
        path = Transport.path("config", feature, *segments) + ("/" if slash else "")
        try:
            return self.transport.request(method, path, params=self.config_query(), body=body)
        except ApplianceError as exc:
            if exc.status_code != 404:
                raise
            if self.appliance == "sma":
                raise CommandError("The configuration APIs exist on an ESA only; this connection is to an SMA.",
                                   404, raw=exc.raw) from None
            if what is not None and self.config_available(feature):
                raise NotFound(f"{what} does not exist on the appliance.", raw=exc.raw) from None
            raise ApplianceError(f"This AsyncOS release has no {CONFIG_FEATURES[feature]} API "
                                 f"(config/{feature} answered 404).", 404, raw=exc.raw) from None

    def config_available(self, feature: str) -> bool:
        """True when the feature's cheapest read answers (what Test Connection reports, §19 point 10)."""
        # the find path ends with a slash (§16.8)
        slash = "/" if feature == "sender_groups" else ""
        try:
            self.transport.request("GET", Transport.path("config", *CONFIG_PROBES[feature]) + slash,
                                   params=self.config_query())
        except ApplianceError as exc:
            if exc.status_code == 404:
                return False
            raise
        return True

    # HAT sender groups (§16.8)
    def sender_groups(self, listener: str) -> Response:
        return self._config("GET", "sender_groups", "listener", listener, what=f"Listener {listener!r}")

    def sender_group(self, listener: str, group: str) -> Response:
        return self._config("GET", "sender_groups", "listener", listener, "sender_group", group,
                            what=f"Sender group {group!r} of listener {listener!r}")

    def add_group_senders(self, listener: str, group: str, senders: list[str], description: str | None) -> Response:
        rows = [{"sender_name": s, "description": description or ""} for s in senders]
        return self._config("POST", "sender_groups", "sender_list", listener, group,
                            body={"data": {"senders": {"ip_address_list": rows}}},
                            what=f"Sender group {group!r} of listener {listener!r}")

    def remove_group_senders(self, listener: str, group: str, senders: list[str]) -> Response:
        return self._config("DELETE", "sender_groups", "sender_list", listener, group,
                            body={"data": {"senders": senders}}, what=f"Sender group {group!r} of listener {listener!r}")

    def find_sender(self, text: str) -> Response:
        # the find paths end with a slash (§16.8)
        return self._config("GET", "sender_groups", "find_in_all_senders", text, slash=True)

    # dictionaries (§16.2)
    def dictionaries(self) -> Response:
        return self._config("GET", "dictionaries")

    def dictionary(self, name: str) -> Response:
        return self._config("GET", "dictionaries", name, what=f"Dictionary {name!r}")

    def create_dictionary(self, name: str, words: list[list], ignore_case: bool, whole_words: bool,
                          encoding: str) -> Response:
        # the two flags are the integers 0 and 1, not booleans (§16.2)
        body = {"data": {"ignorecase": int(ignore_case), "wholewords": int(whole_words), "encoding": encoding,
                         "words": words}}
        return self._config("POST", "dictionaries", name, body=body)

    def delete_dictionary(self, name: str) -> Response:
        return self._config("DELETE", "dictionaries", name, what=f"Dictionary {name!r}")

    def add_dictionary_words(self, name: str, words: list[list]) -> Response:
        return self._config("POST", "dictionaries", name, "words", body={"data": {"words": words}},
                            what=f"Dictionary {name!r}")

    def delete_dictionary_words(self, name: str, terms: list[str]) -> Response:
        # plain strings, no weights (§16.2)
        return self._config("DELETE", "dictionaries", name, "words", body={"data": {"words": terms}},
                            what=f"Dictionary {name!r}")

    # URL lists (§16.3)
    def url_lists(self) -> Response:
        return self._config("GET", "url_lists")

    def url_list(self, name: str) -> Response:
        return self._config("GET", "url_lists", name, what=f"URL list {name!r}")

    def create_url_list(self, name: str, urls: list[str]) -> Response:
        return self._config("POST", "url_lists", name, body={"data": {"urls": urls}})

    def replace_url_list(self, name: str, urls: list[str]) -> Response:
        return self._config("PUT", "url_lists", name, body={"data": {"urls": urls}}, what=f"URL list {name!r}")

    def delete_url_lists(self, names: list[str]) -> Response:
        # the names travel in the body, not the path (§16.3)
        return self._config("DELETE", "url_lists", body={"data": {"url_lists": names}})

    # file-hash lists (§16.4)
    def file_hash_lists(self) -> Response:
        return self._config("GET", "file_hash_lists")

    def file_hash_list(self, name: str) -> Response:
        return self._config("GET", "file_hash_lists", name, what=f"File hash list {name!r}")

    def create_file_hash_list(self, name: str, hashes: list[str], list_type: str, description: str | None) -> Response:
        body = {"data": {"filehashes": hashes, "description": description or "", "list_type": list_type}}
        return self._config("POST", "file_hash_lists", name, body=body)

    def replace_file_hash_list(self, name: str, hashes: list[str]) -> Response:
        return self._config("PUT", "file_hash_lists", name, body={"data": {"filehashes": hashes}},
                            what=f"File hash list {name!r}")

    # incoming mail policy users (§16.5)
    def policy_users(self, policy: str) -> Response:
        return self._config("GET", "incoming_mail_policies", policy, "senders_and_recipients",
                            what=f"Incoming mail policy {policy!r}")

    def add_policy_user(self, policy: str, entry: dict) -> Response:
        # POST takes one entry, an object; PUT the whole set, an array (§16.5)
        return self._config("POST", "incoming_mail_policies", policy, "senders_and_recipients", body={"data": entry},
                            what=f"Incoming mail policy {policy!r}")

    def replace_policy_users(self, policy: str, entries: list[dict]) -> Response:
        return self._config("PUT", "incoming_mail_policies", policy, "senders_and_recipients",
                            body={"data": entries}, what=f"Incoming mail policy {policy!r}")

    # message filters (§16.6)
    def message_filters(self) -> Response:
        return self._config("GET", "message_filters")

    def message_filter(self, name: str) -> Response:
        return self._config("GET", "message_filters", name, what=f"Message filter {name!r}")

    def update_message_filter(self, name: str, active: bool | None, order: int | None) -> Response:
        # active is the string "true"/"false", order a 1-based int; nothing else is editable (§16.6)
        data: dict = {}
        if active is not None:
            data["active"] = "true" if active else "false"
        if order is not None:
            data["order"] = order
        return self._config("PUT", "message_filters", name, body={"data": data}, what=f"Message filter {name!r}")


# What each configuration API is called in messages, and its cheapest read (§19 point 10).
CONFIG_FEATURES = {"sender_groups": "HAT sender group", "dictionaries": "dictionary", "url_lists": "URL list",
                   "file_hash_lists": "file hash list", "incoming_mail_policies": "incoming mail policy users",
                   "message_filters": "message filter"}
CONFIG_PROBES = {"sender_groups": ("sender_groups", "find_in_all_senders", "probe"),
                 "dictionaries": ("dictionaries",), "url_lists": ("url_lists",),
                 "file_hash_lists": ("file_hash_lists",),
                 "incoming_mail_policies": ("incoming_mail_policies", "DEFAULT", "senders_and_recipients"),
                 "message_filters": ("message_filters",)}


def _page_all(page: Callable[[int, int], list], page_size: int, cap: int,
              on_page: Callable[[int], None] | None) -> Pages:
    """offset/limit pages until a short page, up to `cap` rows. `meta.totalCount` is not a
    reliable grand total (§1.4), so it is never trusted. An appliance (or a caching proxy) that
    ignores `offset` would send the same page for ever: a page equal to the one before stops the
    loop, and a page longer than asked is cut to the size asked."""
    out = Pages()
    offset = 0
    previous: list | None = None
    while len(out.rows) < cap:
        size = min(page_size, cap - len(out.rows))
        rows = page(offset, size)[:size]
        out.requests += 1
        if offset and rows and rows == previous:
            raise UnexpectedResponse(
                f"the page at offset {offset} repeats the page before it: the appliance (or a proxy in between) "
                "ignores offset, so the rest of the answer cannot be read.")
        previous = rows
        out.rows.extend(rows)
        if on_page:
            on_page(len(out.rows))
        if len(rows) < size:
            return out
        offset += len(rows)
    # Full pages all the way to the cap: one more row would tell, but costs a request; say "maybe".
    out.truncated = True
    return out
