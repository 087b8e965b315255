#!/usr/bin/env bash
# Translation workflow for interface and questionnaire text (docs/translating.md).
#   scripts/translations.sh extract   refresh translations/messages.pot from the code and questionnaires
#   scripts/translations.sh update    merge the template into every language's catalogue
#   scripts/translations.sh compile   build the .mo files the app reads
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-pybabel}
case "${1:-}" in
  extract)
    "$PYBABEL" extract -F babel.cfg -k _l -k N_ -k plural_templates:1,2 --no-location --sort-output \
      --project "survey_app" --copyright-holder "the survey_app authors" \
      -o translations/messages.pot . ;;
  update)
    "$PYBABEL" update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete ;;
  compile)
    "$PYBABEL" compile -d translations --statistics ;;
  *)
    echo "usage: $0 extract|update|compile" >&2; exit 2 ;;
esac
