"""Create Dictionary: POST config/dictionaries/{name} with the words as the appliance's arrays and
the two flags as 0/1 (extension §16.2); confirmed by `data.message`, then read back."""

from cisco_esa.asyncos.parsers import config
from cisco_esa.core.outcome import Result
from cisco_esa.core.params import dictionary_word


def run(params, ctx):
    words = words_of(params["words"])
    resp = ctx.api.create_dictionary(params["name"], [config.word_entry(*w) for w in words.values()],
                                     params["ignore_case"], params["whole_words"], params["encoding"])
    confirmed = config.confirmation(resp.status, resp.body, f"the creation of dictionary {params['name']}")
    after = ctx.api.dictionary(params["name"]).body
    data = {"name": params["name"], "created": True, "message": confirmed["message"],
            "warnings": [confirmed["warning"]] if confirmed["warning"] else [],
            "dictionary": config.dictionary(config.one(after, "config/dictionaries"))}
    return Result(data=data, raw_data={"create": resp.body, "read_back": after})


def words_of(given: list[str]) -> dict:
    """term -> (term, weight, prefix), the first spelling of each term kept (the schema checked the syntax)."""
    out: dict = {}
    for word in given:
        parsed = dictionary_word(word)
        out.setdefault(parsed[0], parsed)
    return out
