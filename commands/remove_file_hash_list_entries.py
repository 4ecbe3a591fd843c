"""Remove File Hash List Entries: read the list, drop the hashes, write back the rest whole, read
back and check (extension §16.4). No delete call exists for these lists, so an emptied list stays."""

from cisco_esa.commands.add_file_hash_list_entries import change


def run(params, ctx):
    name = params["name"]

    def write(held, pending):
        gone = {h.lower() for h in pending}
        return ctx.api.replace_file_hash_list(name, [h for h in held["hashes"] if h.lower() not in gone])

    return change(ctx, name, params["hashes"], adding=False, write=write)
