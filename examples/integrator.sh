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
# Every event is signed with its unit's key by examples/sign_event.py (docs/integration.md, "Signing
# events"; $PYTHON with `cryptography` and `rfc8785`): the key files <unit>.key are read from
# WEIQUAN_SIGNING_KEY_DIR (default .weiquan/keys, where `weiquan up` makes them).
set -euo pipefail
case_number=${1:?usage: examples/integrator.sh CASE_NUMBER}
temporal=${TEMPORAL_BIN:-temporal}
python=${PYTHON:-python3}
keys=${WEIQUAN_SIGNING_KEY_DIR:-${WEIQUAN_HOME:-.weiquan}/keys}
here=$(dirname "$0")
case_id=(--workflow-id "$case_number")

stage() {  # the case's stage, from the `state` query
  "$temporal" workflow query "${case_id[@]}" --name state -o json | sed -n 's/^ *"stage": "\([a-z_]*\)".*/\1/p'
}

waiting() {  # whom and what the case waits for, in English, from the `state` query
  "$temporal" workflow query "${case_id[@]}" --name state -o json | grep -o '"waitingForEn": *"[^"]*"\|"waiting_for_en": *"[^"]*"'
}

# Send an event (a signal named for it), then read the case's answer by "event/event id" until it
# is no longer "applying": the receipt, or the refusal with its reason.
send() {  # send EVENT EVENT_ID UNIT JSON
  signed=$(echo "$4" | "$python" "$here/sign_event.py" "$case_number" "$1" - "$keys/$3.key")
  "$temporal" workflow signal "${case_id[@]}" --name "$1" --input "$signed" >/dev/null
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
first=$(send legal_aid_decision legal_aid:LA-2026-0001 legal_aid "$decision")
echo "== legal aid decided:"
echo "$first"
again=$(send legal_aid_decision legal_aid:LA-2026-0001 legal_aid "$decision")
if [ "$(echo "$first" | grep -v tries)" != "$(echo "$again" | grep -v tries)" ]; then
  echo "unexpected: a different answer for the same event" >&2
  exit 1
fi
echo "== sent again: same receipt, applied once"

# A unit may only send its own steps' events: the union cannot decide on legal aid.
refusal=$(send legal_aid_decision union:probe-1 union \
  '{"event_id": "union:probe-1", "actor": {"unit": "union", "person": "调解员"}, "granted": true}')
if ! echo "$refusal" | grep -q wrong_actor; then
  echo "unexpected: the case accepted another unit's event: $refusal" >&2
  exit 1
fi
echo "== refused, as it should be: $refusal"
echo "== $case_number is at: $(stage)"

before=$(waiting)
send mediation_failed union:MED-2026-0001 union \
  '{"event_id": "union:MED-2026-0001", "actor": {"unit": "union", "person": "职工服务中心调解员"},
    "reason": "双方对欠薪金额分歧较大"}'
# The case takes an applied event's next steps in its own time: read until it has moved on.
for _ in $(seq 1 50); do [ "$(waiting)" != "$before" ] && break; sleep 0.2; done
echo "== after the union's report, $case_number is at: $(stage)"
echo "== waiting for:"
waiting
