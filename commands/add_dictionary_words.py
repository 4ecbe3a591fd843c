"""Add Dictionary Words: POST config/dictionaries/{name}/words with the words the dictionary does
not hold yet (extension §16.2), then read back: each word is its own item, one already there is
"already present" (its weight is left as it is)."""

from cisco_esa.asyncos import edits
from cisco_esa.asyncos.parsers import config
from cisco_esa.commands.create_dictionary import words_of
from cisco_esa.core.outcome import Result


def run(params, ctx):
    words = words_of(params["words"])
    return change(ctx, params["name"], list(words), adding=True,
                  write=lambda _terms, pending: ctx.api.add_dictionary_words(
                      params["name"], [config.word_entry(*words[t]) for t in pending]))


def change(ctx, name: str, terms: list[str], *, adding: bool, write) -> Result:
    """Shared with Delete Dictionary Words."""
    def read():
        return [w["term"] for w in config.dictionary(config.one(ctx.api.dictionary(name).body, "the dictionary"))["words"]]

    done, already = ("added", "already_present") if adding else ("deleted", "not_present")
    result = edits.edit(terms, read=read, holds=lambda held, term: (term in held) == adding, write=write,
                        what=f"dictionary {name}", done=done, already=already)
    data = {"name": name, **edits.counts(result, done, already), "terms": result.state,
            "warnings": result.warnings, "writes": result.writes}
    return Result(data=data, raw_data={"responses": result.responses}, items=result.items)
