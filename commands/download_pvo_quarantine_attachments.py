"""Download PVO Quarantine Attachments: the message's details name its parts (ext §14.3); each
attachment asked for (every one but the `[message body]` pseudo-part by default) is one GET
quarantine/messages/attachment, its base64 body decoded (raw bytes when it is not base64, §14.5)
and written to a new file in output_dir under a safe name. Each file reports name, size and
SHA-256; the bytes themselves never travel in the envelope."""

import hashlib
import os
from pathlib import Path

from cisco_esa.asyncos.parsers import pvo
from cisco_esa.core.files import safe_name, write_new
from cisco_esa.core.outcome import CommandError, InputError, Item, NotFound, Result

MIB = 1024 * 1024


def run(params, ctx):
    folder = Path(params.get("output_dir") or ".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError([f"output_dir: {folder} is not a folder this process can write to"])
    mid, limit = params["quarantine_message_id"], params["max_size_mb"] * MIB
    ctx.api.login()
    details_body = ctx.api.pvo_details(mid).body
    message = pvo.details(details_body, mid)
    parts = {p["attachment_id"]: p for p in message["parts"] if p["attachment_id"] is not None}
    wanted = params.get("attachment_ids") or [p["attachment_id"] for p in message["attachments"]
                                              if p["attachment_id"] is not None]
    answers = {}

    def download(aid):
        answer = answers[aid] = ctx.api.pvo_attachment(mid, aid)
        return answer

    def save(_body, aid):
        answer = answers[aid]
        data, was_base64 = pvo.attachment_bytes(answer.content)
        if len(data) > limit:
            raise CommandError(f"Attachment {aid} is larger than max_size_mb ({params['max_size_mb']} MiB); not saved.",
                               answer.status)
        reported = pvo.file_name(answer.headers.get("Content-Disposition")) or (parts.get(aid) or {}).get("name")
        path = write_new(folder, safe_name(reported, f"message-{mid}-attachment-{aid}"), data)
        return {"attachment_id": aid, "name": path.name, "reported_name": reported, "path": str(path),
                "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "base64": was_base64,
                "content_type": answer.headers.get("Content-Type")}

    unknown = [aid for aid in dict.fromkeys(wanted) if aid not in parts]
    items = ctx.for_each([aid for aid in dict.fromkeys(wanted) if aid in parts], download, save)
    # an id the details do not list is never asked for
    items += [Item(aid, NotFound(f"Attachment {aid} is not a part of message ID {mid}.")) for aid in unknown]
    files = [i.data for i in items if i.ok]
    data = {"mid": mid, "output_dir": str(folder), "files": files,
            "skipped": [p["attachment_id"] for p in message["parts"] if p["is_message_body"] and
                        p["attachment_id"] not in wanted],
            "failed": [i.id for i in items if not i.ok],
            "counts": {"requested": len(items), "downloaded": len(files), "failed": len(items) - len(files),
                       "bytes": sum(f["size"] for f in files)}}
    raw = {"details": details_body,
           "attachments": [{"attachment_id": aid, "status": a.status, "bytes": len(a.content),
                            "content_type": a.headers.get("Content-Type"),
                            "content_disposition": a.headers.get("Content-Disposition")} for aid, a in answers.items()]}
    return Result(data=data, raw_data=raw, items=items)
