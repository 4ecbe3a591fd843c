"""Add File Hash List Entries: a file-hash list can only be replaced whole (PUT, extension §16.4):
read, add the hashes it lacks, write back, read again and check, merging again if another change
undid ours. A missing list is created (POST) with `list_type` and `description`. A hash of the
wrong kind for the list (MD5 in a SHA-256 list) fails on its own and is never sent."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config, lists
from cisco_esa.core.outcome import CommandError, Item, NotFound, Result

LIST_TYPES = {"SHA256": "sha256", "MD5": "md5"}
HEX_LENGTH = {"sha256": 64, "md5": 32}


def run(params, ctx):
    name, list_type = params["name"], LIST_TYPES[params["list_type"]]

    def write(held, pending):
        if held is None:
            return ctx.api.create_file_hash_list(name, pending, list_type, params.get("description"))
        return ctx.api.replace_file_hash_list(name, held["hashes"] + pending)

    return change(ctx, name, params["hashes"], adding=True, write=write, new_type=list_type)


def change(ctx, name: str, hashes: list[str], *, adding: bool, write, new_type: str | None = None) -> Result:
    """Shared with Remove File Hash List Entries. Hashes compare without case."""
    def read():
        try:
            return config.file_hash_list(config.one(ctx.api.file_hash_list(name).body, "the file hash list"))
        except NotFound:
            if adding:
                return None
            raise

    def holds(held, value):
        return (value.lower() in {h.lower() for h in (held or {}).get("hashes", [])}) == adding

    first = read()
    kind = first["list_type"] if first else new_type
    wanted = lists.unique_ignoring_case(hashes)
    fits = [h for h in wanted if kind not in HEX_LENGTH or len(h) == HEX_LENGTH[kind]]
    done, already = ("added", "already_present") if adding else ("removed", "not_present")
    result = edits.edit(fits, read=read, holds=holds, write=write, what=f"file hash list {name}", done=done,
                        already=already, initial=first)
    wrong = {h: Item(h, CommandError(f"{h} is not a {kind} hash, the kind file hash list {name} holds.", 400))
             for h in wanted if h not in fits}
    mine = {i.id: i for i in result.items}
    result.items = [mine.get(h) or wrong[h] for h in wanted]
    data = {"name": name, "list_type": kind, **edits.counts(result, done, already),
            "hashes": (result.state or {}).get("hashes", []), "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
