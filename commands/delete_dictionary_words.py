"""Delete Dictionary Words: DELETE config/dictionaries/{name}/words with plain terms, no weights
(extension §16.2), then read back; a term the dictionary does not hold is "not present"."""

from cisco_esa.commands.add_dictionary_words import change
from cisco_esa.commands.create_dictionary import words_of


def run(params, ctx):
    terms = list(words_of(params["words"]))
    return change(ctx, params["name"], terms, adding=False,
                  write=lambda _held, pending: ctx.api.delete_dictionary_words(params["name"], pending))
