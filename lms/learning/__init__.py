"""The learning flow: catalogue, course pages, lessons, progress and completion."""
