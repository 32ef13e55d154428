"""Organisation verification (企業認證): evidence, the staff review queue, suspension."""
