#!/usr/bin/env bash
# The main job end to end on this machine: services up, schema, catalogue, ratings plus simulated watch and
# purchase events (simulate --transactions) through Kafka, the stream worker with LLM rerank, then the published rows.
#   RECWORKER_DEMO_DATA=DIR     a MovieLens folder in any GroupLens layout (default ../shared/data/ml-100k, else synthetic data)
#   RECWORKER_DEMO_EVENTS=N     events to publish, ratings plus simulated watches and purchases (default 6000)
#   RECWORKER_DEMO_LLM_USERS=N  users reranked by the LLM (default 4; the rest get the model's order)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
deploy/dev/services.sh up
eval "$(deploy/dev/services.sh env)"
swift build --product recworker
BIN=$ROOT/.build/debug/recworker

DATA=${RECWORKER_DEMO_DATA:-$ROOT/../shared/data/ml-100k}
if [ ! -d "$DATA" ]; then
    DATA=$RECWORKER_DEV_DIR/demo-data
    "$BIN" simulate --out "$DATA"
fi
"$BIN" migrate
"$BIN" load-catalog --movielens "$DATA"
"$BIN" simulate --transactions --from-movielens "$DATA" --out "$RECWORKER_DEV_DIR/demo-events"
"$BIN" produce --events "$RECWORKER_DEV_DIR/demo-events/events.jsonl" --limit "${RECWORKER_DEMO_EVENTS:-6000}"
"$BIN" stream --exit-when-idle 3 --metrics-port=-1 --llm on --llm-max-calls "${RECWORKER_DEMO_LLM_USERS:-4}" \
    --llm-candidates 12 --llm-reason-chars 60 --llm-timeout 120
echo
"$BIN" show --recent "${RECWORKER_DEMO_LLM_USERS:-4}"
echo
psql "$DATABASE_URL" -c "SELECT source, explanation_source, count(DISTINCT user_id) AS users, count(*) AS rows FROM current_recommendations GROUP BY 1, 2 ORDER BY 1, 2"
