"""What an annex can be asked for (sections, schedule, parameters) and what it says (the annex
builder, key messages, changes since the last version, HTML pieces, chart libraries). Runs in
the notebook's kernel; imports nothing from the pipeline or operations."""
