#!/usr/bin/env bash
# An outside system driving one case with nothing but the `temporal` CLI and JSON (docs/integration.md):
# legal aid's decision as a signal and its answer read back (sent twice: applied once, same answer),
# a refused event, the union's report, then the case's stage.
#
#   examples/integrator.sh CASE_NUMBER
#
# Where Temporal is: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, or a temporal.toml profile
# (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE) with TLS or an API key: docs/security.md.
# Encrypted payloads: TEMPORAL_CODEC_ENDPOINT=<the weiquan codec server> and
# TEMPORAL_CODEC_AUTH="Bearer <token>"; the CLI then encrypts what it sends and decrypts what it reads.
set -euo pipefail
case_number=${1:?usage: examples/integrator.sh CASE_NUMBER}
temporal=${TEMPORAL_BIN:-temporal}
case_id=(--workflow-id "$case_number")

stage() {  # the case's stage, from the `state` query
  "$temporal" workflow query "${case_id[@]}" --name state -o json | sed -n 's/^ *"stage": "\([a-z_]*\)".*/\1/p'
}

# Send an event (a signal named for it), then read the case's answer by "event/event id" until it
# is no longer "applying": the receipt, or the refusal with its reason.
send() {  # send EVENT EVENT_ID JSON
  "$temporal" workflow signal "${case_id[@]}" --name "$1" --input "$3" >/dev/null
  for _ in $(seq 1 100); do
    answer=$("$temporal" workflow query "${case_id[@]}" --name answer --input "\"$1/$2\"" -o json)
    if echo "$answer" | grep -q '"status": *"\(applied\|refused\)"'; then
      echo "$answer"
      return
    fi
    sleep 0.2
  done
  echo "no answer from $case_number" >&2
  exit 1
}

echo "== $case_number is at: $(stage)"

# The event id is our own record's id: resend with the same id after a timeout, never with a new one.
decision='{"event_id": "legal_aid:LA-2026-0001", "actor": {"unit": "legal_aid", "person": "法援中心经办人"},
           "granted": true, "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}}'
first=$(send legal_aid_decision legal_aid:LA-2026-0001 "$decision")
echo "== legal aid decided:"
echo "$first"
again=$(send legal_aid_decision legal_aid:LA-2026-0001 "$decision")
if [ "$(echo "$first" | grep -v tries)" != "$(echo "$again" | grep -v tries)" ]; then
  echo "unexpected: a different answer for the same event" >&2
  exit 1
fi
echo "== sent again: same receipt, applied once"

# A unit may only send its own steps' events: the union cannot decide on legal aid.
refusal=$(send legal_aid_decision union:probe-1 \
  '{"event_id": "union:probe-1", "actor": {"unit": "union", "person": "调解员"}, "granted": true}')
if ! echo "$refusal" | grep -q wrong_actor; then
  echo "unexpected: the case accepted another unit's event: $refusal" >&2
  exit 1
fi
echo "== refused, as it should be: $refusal"
echo "== $case_number is at: $(stage)"

send mediation_failed union:MED-2026-0001 \
  '{"event_id": "union:MED-2026-0001", "actor": {"unit": "union", "person": "职工服务中心调解员"},
    "reason": "双方对欠薪金额分歧较大"}'
echo "== after the union's report, $case_number is at: $(stage)"
echo "== waiting for:"
"$temporal" workflow query "${case_id[@]}" --name state -o json | grep -o '"waitingForEn": *"[^"]*"\|"waiting_for_en": *"[^"]*"'
