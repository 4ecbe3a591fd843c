"""Fetch Event's reading: the engine (ascending slices and pages, exactly once), the checkpoint,
and the field-mapping engine that applies field_mappings/."""
