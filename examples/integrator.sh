#!/usr/bin/env bash
# An outside system driving one case with nothing but the `temporal` CLI and JSON (docs/integration.md):
# legal aid's decision as an update (sent twice: applied once, same answer), a refused event, the
# union's report as a signal, then the outcome.
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

echo "== $case_number is at: $(stage)"

# An update: the sender gets the answer. The event id is also the update id, so the server
# recognises a resend too; resend with the same id after a timeout, never with a new one.
decision='{"event_id": "legal_aid:LA-2026-0001", "actor": {"unit": "legal_aid", "person": "法援中心经办人"},
           "granted": true, "lawyer": {"name": "李律师", "firm": "江西某律师事务所"}}'
decide() {
  "$temporal" workflow update execute "${case_id[@]}" --name legal_aid_decision \
    --update-id legal_aid:LA-2026-0001 --input "$decision" -o json
}
first=$(decide)
echo "== legal aid decided:"
echo "$first"
again=$(decide)
if [ "$first" != "$again" ]; then
  echo "unexpected: a different answer for the same event" >&2
  exit 1
fi
echo "== sent again: same receipt, applied once"

# A unit may only send its own steps' events: the union cannot decide on legal aid.
if refusal=$("$temporal" workflow update execute "${case_id[@]}" --name legal_aid_decision \
     --update-id union:probe-1 -o json \
     --input '{"event_id": "union:probe-1", "actor": {"unit": "union", "person": "调解员"}, "granted": true}' 2>&1); then
  echo "unexpected: the case accepted another unit's event" >&2
  exit 1
fi
echo "== refused, as it should be: $refusal"

for _ in $(seq 1 100); do  # the case moves on to mediation once the decision is processed
  [ "$(stage)" = mediation ] && break
  sleep 0.3
done
echo "== $case_number is at: $(stage)"

# A signal: fire and forget. A refused signal is recorded in the case log, not returned.
"$temporal" workflow signal "${case_id[@]}" --name mediation_failed \
  --input '{"event_id": "union:MED-2026-0001", "actor": {"unit": "union", "person": "职工服务中心调解员"},
            "reason": "双方对欠薪金额分歧较大"}'

sleep 1
echo "== after the signal, $case_number is at: $(stage)"
echo "== waiting for:"
"$temporal" workflow query "${case_id[@]}" --name state -o json | grep -o '"waitingForEn": *"[^"]*"\|"waiting_for_en": *"[^"]*"' 
