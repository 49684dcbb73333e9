"""Validate JSON files against a JSON Schema (Draft 2020-12); print the errors as JSON.

Usage: validate_json.py SCHEMA.json FILE.json...
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
errors = {}
for path in sys.argv[2:]:
    found = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(json.load(open(path)))]
    errors[path] = found
json.dump(errors, sys.stdout, indent=1)
