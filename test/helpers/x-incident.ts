import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {startFakeX, type FakeX, type FakeXCredentials} from '../../src/infrastructure/sandbox/fakes/x-api.js'
import {runCli, tempDir} from './cli.js'

export const X_CREDENTIALS: FakeXCredentials = {
  appKey: 'app-key-7f3a9c',
  appSecret: 'app-secret-Qw81vZ0pLm',
  accessToken: '1590000000000000001-accessTOKENxyz',
  accessSecret: 'access-secret-Hn2kd93Lq',
}

export function xEnv(channel = 'X', creds: FakeXCredentials = X_CREDENTIALS): Record<string, string> {
  return {
    [`CANDOR_${channel}_APP_KEY`]: creds.appKey,
    [`CANDOR_${channel}_APP_SECRET`]: creds.appSecret,
    [`CANDOR_${channel}_ACCESS_TOKEN`]: creds.accessToken,
    [`CANDOR_${channel}_ACCESS_SECRET`]: creds.accessSecret,
  }
}

/** A playbook with X channels pointed at fakes, in a fresh working folder. */
export function writeXPlaybook(dir: string, channels: Record<string, FakeX>): string {
  const file = path.join(dir, 'incident.yaml')
  const names = Object.keys(channels)
  const posts = (text: string) => names.map((n) => `      ${n}: { text: "${text}" }`).join('\n')
  writeFileSync(
    file,
    `name: incident
facts:
  service: { required: true }
  impact: { required: true }
  cause: {}
channels:
${names.map((n) => `  ${n}: { type: x, api_url: "${channels[n].url}" }`).join('\n')}
phases:
  investigating:
    next_update: 30m
    posts:
${posts('We are investigating problems with {{service}}: {{impact}}. Next update by {{time @next_update}}.')}
  identified:
    next_update: 30m
    posts:
${posts('We found the cause of the {{service}} problems{{#if cause}}: {{cause}}{{/if}}. A fix is being rolled out.')}
  monitoring:
    next_update: 1h
    posts:
${posts('A fix for {{service}} is live and we are watching it closely.')}
  resolved:
    posts:
${posts('{{service}} is working normally again after {{since @incident.started_at}}. We are sorry for the disruption.')}
`,
  )
  return file
}

export interface XWorld {
  dir: string
  fake: FakeX
  env: Record<string, string>
  playbook: string
  cli(args: string[], extraEnv?: Record<string, string | undefined>): ReturnType<typeof runCli>
  close(): Promise<void>
}

export async function xWorld(): Promise<XWorld> {
  const dir = tempDir()
  const fake = await startFakeX({credentials: X_CREDENTIALS})
  const playbook = writeXPlaybook(dir, {x: fake})
  const env = {...xEnv(), CANDOR_STATE_DIR: path.join(dir, 'state'), CANDOR_USER: 'Dana On-Call'}
  return {
    dir,
    fake,
    env,
    playbook,
    cli: (args, extraEnv = {}) => runCli(args, {cwd: dir, env: {...env, ...extraEnv}}),
    close: () => fake.close(),
  }
}
