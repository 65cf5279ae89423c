// crosspost's own fan-out (its Client, Promise.allSettled over strategies) to N Mastodon
// accounts, as one process: the CLI only takes one account per network, so N accounts
// need the library. Hosts come from $BENCH_MASTODON_HOSTS (JSON array of "host:port"),
// the token from $BENCH_MASTODON_TOKEN, the message from argv[2]. Exit 1 if any failed.
import {Client, MastodonStrategy} from '@humanwhocodes/crosspost'

const hosts = JSON.parse(process.env.BENCH_MASTODON_HOSTS ?? '[]')
const accessToken = process.env.BENCH_MASTODON_TOKEN
const client = new Client({strategies: hosts.map((host) => new MastodonStrategy({accessToken, host}))})
const responses = await client.post(process.argv[2])
let failed = 0
for (const r of responses) {
  if (r.ok) console.log(r.url ?? '')
  else {
    failed++
    console.error(String(r.reason?.message ?? r.reason))
  }
}
process.exitCode = failed > 0 ? 1 : 0
