"""Static files the HTML report inlines (CSS, JS): package data, read at render time."""
