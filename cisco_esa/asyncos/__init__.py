"""What the AsyncOS appliance takes and answers, and nothing about commands: the transport
(session, auth, retries, decoding, masking, errors), the API (one method per endpoint) and pure
parsers from its JSON to plain rows."""
