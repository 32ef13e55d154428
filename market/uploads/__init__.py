"""Resumable uploads of large asset files (上傳會話): sessions, parts, fingerprints."""
