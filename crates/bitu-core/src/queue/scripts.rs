//! Lua scripts: each state change of a job is one script, so Redis applies it whole or not at
//! all, whatever happens to the worker in between. `now` is always the server's clock.

use std::sync::LazyLock;

use deadpool_redis::redis::Script;

const NOW: &str =
    "local t = redis.call('TIME')\nlocal now = t[1] * 1000 + math.floor(t[2] / 1000)\n";

fn script(body: &str) -> Script {
    Script::new(&format!("{NOW}{body}"))
}

/// KEYS: jobs, done, queue...; ARGV: (queue index, id, envelope)... → number pushed.
pub static PUSH: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local pushed = 0
for i = 1, #ARGV, 3 do
  local id = ARGV[i + 1]
  if not redis.call('ZSCORE', KEYS[2], id) and redis.call('HSETNX', KEYS[1], id, ARGV[i + 2]) == 1 then
    redis.call('LPUSH', KEYS[3 + tonumber(ARGV[i])], id)
    pushed = pushed + 1
  end
end
return pushed
",
    )
});

/// Claims up to `max` ids into KEYS[1] from the queues KEYS[6..] into `out`. An id already
/// done (acknowledged late by a worker taken for dead) is dropped instead of handed out again.
const CLAIM_INTO_OUT: &str = r"
for i = 6, #KEYS do
  while #out < max do
    local id = redis.call('LMOVE', KEYS[i], KEYS[1], 'RIGHT', 'LEFT')
    if not id then break end
    if redis.call('ZSCORE', KEYS[5], id) then
      redis.call('LREM', KEYS[1], -1, id)
      redis.call('HDEL', KEYS[3], id)
      redis.call('HDEL', KEYS[4], id)
    else
      redis.call('HSET', KEYS[2], id, now)
      local attempt = redis.call('HINCRBY', KEYS[4], id, 1)
      local payload = redis.call('HGET', KEYS[3], id) or ''
      out[#out + 1] = {id, payload, attempt, i - 6}
    end
  end
end
";

/// Acknowledges ARGV[1] as done (whoever holds it now) into `removed`.
const COMPLETE_INTO_REMOVED: &str = r"
local removed = redis.call('LREM', KEYS[1], -1, ARGV[1])
redis.call('ZADD', KEYS[5], now, ARGV[1])
if removed > 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
end
";

/// KEYS: processing, claimed, jobs, attempts, done, queue...; ARGV: max →
/// {{id, payload, attempt, queue position}...}.
pub static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    script(&format!(
        "local max = tonumber(ARGV[1])\nlocal out = {{}}\n{CLAIM_INTO_OUT}return out\n"
    ))
});

/// KEYS: processing, claimed, jobs, attempts, done; ARGV: id → 1 if it was still claimed.
/// Either way the id is done; the bookkeeping of a job someone else holds is theirs.
pub static COMPLETE: LazyLock<Script> =
    LazyLock::new(|| script(&format!("{COMPLETE_INTO_REMOVED}return removed\n")));

/// [`COMPLETE`] then a claim of one more job, in one round trip. KEYS as [`CLAIM`]; ARGV: id
/// → {removed, {{id, payload, attempt, queue position}}}.
pub static COMPLETE_AND_CLAIM: LazyLock<Script> = LazyLock::new(|| {
    script(&format!(
        "{COMPLETE_INTO_REMOVED}local max = 1\nlocal out = {{}}\n{CLAIM_INTO_OUT}\
         return {{removed, out}}\n"
    ))
});

/// KEYS: processing, claimed, jobs, delayed; ARGV: id, envelope, delay ms.
pub static RETRY_LATER: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
redis.call('LREM', KEYS[1], -1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[3]), ARGV[1])
return 1
",
    )
});

/// KEYS: processing, claimed, failed, errors; ARGV: id, reason JSON.
pub static FAIL: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
redis.call('LREM', KEYS[1], -1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[1])
return 1
",
    )
});

/// KEYS: processing, claimed, queue; ARGV: id → 1 if it moved (only one reaper wins).
pub static REQUEUE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if redis.call('LREM', KEYS[1], -1, ARGV[1]) > 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('RPUSH', KEYS[3], ARGV[1])
  return 1
end
return 0
",
    )
});

/// KEYS: delayed, jobs, queue...; ARGV: limit, queue names in KEYS order → number moved.
pub static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local payload = redis.call('HGET', KEYS[2], id)
  if payload then
    local target = KEYS[3]
    local ok, envelope = pcall(cjson.decode, payload)
    if ok and type(envelope) == 'table' then
      for j = 3, #KEYS do
        if ARGV[j - 1] == envelope.queue then target = KEYS[j] end
      end
    end
    redis.call('LPUSH', target, id)
  end
end
return #due
",
    )
});

/// KEYS: workers; ARGV: worker, lifetime ms.
pub static HEARTBEAT: LazyLock<Script> = LazyLock::new(|| {
    script("redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])\nreturn now\n")
});

/// KEYS: workers, processing, claimed; ARGV: worker, id... → ids whose claim time was unknown
/// are stamped now; returns {now, claim time per id}.
pub static CLAIM_TIMES: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local out = {now}
for i = 2, #ARGV do
  redis.call('HSETNX', KEYS[3], ARGV[i], now)
  out[#out + 1] = tonumber(redis.call('HGET', KEYS[3], ARGV[i]))
end
return out
",
    )
});

/// KEYS: workers, processing; ARGV: worker → 1 if the worker was forgotten (nothing held).
pub static FORGET_WORKER: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if redis.call('LLEN', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
",
    )
});

/// KEYS: done, dedup; ARGV: age ms → entries removed.
pub static TRIM: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
local cutoff = now - tonumber(ARGV[1])
return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  + redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', cutoff)
",
    )
});

/// KEYS: dedup; ARGV: key.
pub static MARK_DONE: LazyLock<Script> =
    LazyLock::new(|| script("redis.call('ZADD', KEYS[1], now, ARGV[1])\nreturn 1\n"));

/// KEYS: dedup, list; ARGV: key, value → 1 when appended, 0 when the key was done already.
pub static RECORD_ONCE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
",
    )
});

/// KEYS: failed, errors, attempts, queue; ARGV: id → 1 if it was failed and is queued again.
pub static RETRY_FAILED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('LPUSH', KEYS[4], ARGV[1])
  return 1
end
return 0
",
    )
});

/// KEYS: failed, errors, attempts, jobs, done; ARGV: id → 1 if a failed job was dropped.
pub static DROP_FAILED: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[4], ARGV[1])
  redis.call('ZADD', KEYS[5], now, ARGV[1])
  return 1
end
return 0
",
    )
});
