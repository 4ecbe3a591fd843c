"""Decode Rewritten URLs: each link rewritten by the gateway back to the original URL (ext §17.3),
offline: no connection and no request. A link that cannot be decoded is a failed item with the
reason; nested rewrites are unwrapped (bounded)."""

from cisco_esa.asyncos.parsers import rewritten_urls
from cisco_esa.core.outcome import CommandError, Item, Result


def run(params, ctx):
    items, decoded, failed = [], [], []
    for url in dict.fromkeys(params["urls"]):
        try:
            row = rewritten_urls.decode(url)
        except rewritten_urls.NotDecodable as exc:
            # not an HTTP answer: the status code is the 400 of rejected input (contract §3)
            items.append(Item(url, CommandError(f"{url[:200]} cannot be decoded: {exc}.", 400)))
            failed.append({"url": url, "reason": str(exc)})
            continue
        items.append(Item(url, data=row))
        decoded.append(row)
    ctx.log.debug("decoded %d of %d links offline; no request sent", len(decoded), len(items))
    data = {"urls": decoded, "failed": failed,
            "counts": {"requested": len(items), "decoded": len(decoded), "failed": len(failed)}}
    return Result(data=data, raw_data={}, items=items)
