import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {copyShipped, edit, factsFile, rehearse} from './rehearse-world.js'

/**
 * `candor rehearse` in-process: every phase published to a real sandbox on a simulated
 * clock, and what would fail on the day named by phase, channel and rule.
 */

const START = new Date('2026-03-02T14:00:00Z')

/** Every problem of a report as `phase › channel (locale) › rule`. */
function failures(report: Awaited<ReturnType<typeof rehearse>>['report']): string[] {
  return report.phases.flatMap((p) =>
    p.channels.flatMap((c) =>
      c.problems.map((x) => `${p.phase} › ${c.channel}${c.published ? '' : ` (${c.locale})`} › ${x.rule}`),
    ),
  )
}

describe('candor rehearse', () => {
  it.each(['outage', 'degraded-performance', 'scheduled-maintenance'])(
    'the shipped playbook %s rehearses cleanly',
    async (name) => {
      const dir = copyShipped()
      const {report, received} = await rehearse(path.join(dir, 'playbooks', `${name}.yaml`), {start: START})
      expect(failures(report)).toEqual([])
      expect(report.problems).toEqual([])
      expect(report.ok).toBe(true)
      expect(report.first_failure).toBeUndefined()
      // Something really went out: every published channel except the files is on the sandbox.
      expect(received.length).toBeGreaterThan(report.phases.length)
    },
    60_000,
  )

  it('moves the clock to each promised update, and the posts promise exactly when the next one comes', async () => {
    const dir = copyShipped()
    const {report, received} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START})
    // investigating and identified promise 20 minutes, monitoring 60; resolved promises nothing: 30 minutes.
    expect(report.phases.map((p) => [p.phase, p.at.slice(11, 16), p.next_update_due?.slice(11, 16)])).toEqual([
      ['investigating', '14:00', '14:20'],
      ['identified', '14:20', '14:40'],
      ['monitoring', '14:40', '15:40'],
      ['resolved', '15:40', undefined],
      ['postmortem', '16:10', undefined],
    ])
    const x = received.filter((p) => p.channel === 'x')
    expect(x).toHaveLength(5)
    expect(x[0].text).toContain('14:20')
    expect(x[1].text).toContain('14:40')
    expect(x[2].text).toContain('15:40')
    // Each update replies to the one before on X (the thread is linked).
    for (let i = 1; i < x.length; i++) expect(x[i].reply_to).toBe(x[i - 1].id)
    // The JSON shape.
    const phase = report.phases[0]
    expect(Object.keys(report).sort()).toEqual(['facts', 'file', 'incident', 'ok', 'phases', 'playbook', 'problems'])
    expect(Object.keys(phase).sort()).toEqual(['at', 'channels', 'next_update_due', 'phase'])
    expect(phase.channels.find((c) => c.channel === 'x' && c.published)).toEqual({
      channel: 'x',
      type: 'x',
      locale: 'en',
      published: true,
      parts: 1,
      status: 'ok',
      problems: [],
    })
    expect(phase.channels.filter((c) => c.channel === 'x').map((c) => c.locale)).toEqual(['en', 'de', 'ja'])
  }, 60_000)

  it('a post that renders empty fails its phase and channel, and the rest still goes out', async () => {
    const dir = copyShipped()
    // Only when there is an estimate: the example facts have none, so the post is empty.
    edit(dir, 'templates/outage/facebook/monitoring.hbs', (t) => `{{#if eta}}${t}{{/if}}`)
    const {report, received} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START})
    expect(report.ok).toBe(false)
    expect(failures(report)).toContain('monitoring › facebook › empty')
    expect(report.first_failure).toMatchObject({phase: 'monitoring', channel: 'facebook', rule: 'empty'})
    // Facebook's monitoring post never went out; the other channels' did, and later phases too.
    expect(received.filter((p) => p.channel === 'facebook')).toHaveLength(4)
    expect(received.filter((p) => p.channel === 'x')).toHaveLength(5)
  }, 60_000)

  it('a post over its limit names the phase, the channel and the limit', async () => {
    const dir = copyShipped()
    const facts = factsFile(dir, `impact: "${'word '.repeat(1800)}end"\n`)
    const {report} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START, factsFile: facts})
    expect(report.ok).toBe(false)
    expect(report.first_failure).toMatchObject({phase: 'investigating', channel: 'x', rule: 'limit'})
    expect(report.first_failure?.message).toContain('at most 25 are sent')
  }, 60_000)

  it('a post the policy blocks names the rule', async () => {
    const dir = copyShipped()
    const facts = factsFile(dir, 'workaround: "call 192.168.1.10 directly"\n')
    const {report, received} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {
      start: START,
      factsFile: facts,
    })
    expect(report.first_failure).toMatchObject({phase: 'investigating', channel: 'x', rule: 'policy:private-ip'})
    expect(received.some((p) => p.text.includes('192.168.1.10'))).toBe(false)
  }, 60_000)

  it('a lint finding (no apology in the first post) fails the post it is about', async () => {
    const dir = copyShipped()
    edit(dir, 'templates/outage/facebook/investigating.hbs', (t) =>
      t.replace(", and we're sorry for the disruption this is causing you", ''),
    )
    const {report} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START})
    expect(failures(report)).toEqual(['investigating › facebook › lint:apology'])
    expect(report.first_failure).toMatchObject({phase: 'investigating', channel: 'facebook', rule: 'lint:apology'})
  }, 60_000)

  it('a language version that fails names its locale, though nothing in it is published', async () => {
    const dir = copyShipped()
    edit(dir, 'templates/outage/facebook/identified.de.hbs', () => '  \n')
    const {report} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START})
    expect(report.ok).toBe(false)
    expect(failures(report)).toContain('identified › facebook (de) › empty')
    expect(report.first_failure).toMatchObject({phase: 'identified', channel: 'facebook', locale: 'de'})
  }, 60_000)

  it("a playbook that wants two approvers is approved by the rehearsal's second approver, and goes out", async () => {
    const dir = copyShipped()
    edit(dir, 'outage.yaml', (t) => `${t}approval: { required: 2 }\n`)
    const {report, received} = await rehearse(path.join(dir, 'playbooks', 'outage.yaml'), {start: START})
    expect(failures(report)).toEqual([])
    expect(received.filter((p) => p.channel === 'x')).toHaveLength(5)
  }, 60_000)

  it('bad input stops before anything starts: a playbook that does not load, a required fact missing', async () => {
    const dir = copyShipped()
    edit(dir, 'outage.yaml', (t) => t.replace('  service: "Acme Voice"\n', ''))
    await expect(rehearse(path.join(dir, 'playbooks', 'outage.yaml'))).rejects.toThrow(/service/)
    edit(dir, 'outage.yaml', (t) => t.replace('phases:', 'phases: [oops'))
    await expect(rehearse(path.join(dir, 'playbooks', 'outage.yaml'))).rejects.toMatchObject({
      code: 'playbook_invalid',
    })
  })
})
