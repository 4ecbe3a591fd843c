"""Remove URL List Entries: read the list, drop the URLs, write back the rest whole, read back and
check (extension §16.3). A URL list is never written empty (the appliance refuses one): removing
its last URLs fails and says to delete the list."""

from cisco_esa.commands.add_url_list_entries import change
from cisco_esa.core.outcome import CommandError


def run(params, ctx):
    name = params["name"]

    def write(held, pending):
        gone = {u.lower() for u in pending}
        rest = [u for u in held if u.lower() not in gone]
        if not rest:
            raise CommandError(f"Removing these URLs would leave URL list {name} empty, which the appliance "
                               "refuses: use Delete URL Lists to remove the list.", 400)
        return ctx.api.replace_url_list(name, rest)

    return change(ctx, name, params["urls"], adding=False, write=write)
