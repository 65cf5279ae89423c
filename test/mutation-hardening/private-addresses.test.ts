import {describe, expect, it} from 'vitest'
import {checkPost, type PolicyContext} from '../../src/services/policy/rules.js'

// The edges of every private range, in every spelling a URL parser accepts: written from the
// mutants of rules.ts that survived (a range bound moved by one, a half of a condition dropped).
const bare: PolicyContext = {playbook: {policy: {forbid: [], internalHosts: [], publicHosts: []}}}
const privateIp = (text: string) =>
  checkPost(text, bare)
    .filter((v) => v.rule === 'private-ip')
    .map((v) => v.message)

describe('private IPv4 addresses, at the edges of each range', () => {
  it.each([
    ['10.0.0.1', 'a private network address'],
    ['172.16.0.1', 'a private network address'],
    ['172.31.255.1', 'a private network address'],
    ['192.168.1.1', 'a private network address'],
    ['127.0.0.1', 'a loopback address'],
    ['169.254.10.1', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['100.127.255.254', 'a carrier-grade NAT address'],
    ['0.1.2.3', 'not a routable address'],
  ])('%s is %s', (address, kind) => {
    expect(privateIp(`see ${address} now`)).toEqual([`"${address}" is ${kind}`])
  })

  it.each([
    '11.0.0.1',
    '172.15.255.1',
    '172.32.0.1',
    '192.169.1.1',
    '191.168.1.1',
    '169.253.1.1',
    '168.254.1.1',
    '100.63.255.1',
    '100.128.0.1',
    '99.64.0.1',
    '8.8.8.8',
  ])('%s is public', (address) => {
    expect(privateIp(`see ${address} now`)).toEqual([])
  })

  it('reads hex, octal and whole-number spellings, and cloud host names, as the address they mean', () => {
    expect(privateIp('at 0x0a.0.0.1')).toEqual(['"0x0a.0.0.1" is a private network address (10.0.0.1)'])
    expect(privateIp('at 012.0.0.1')).toEqual(['"012.0.0.1" is a private network address (10.0.0.1)'])
    expect(privateIp('at http://167772161/status')).toEqual(['"167772161" is a private network address (10.0.0.1)'])
    expect(privateIp('host ip-10-0-0-1 is down')).toEqual(['"ip-10-0-0-1" is a private network address'])
    expect(privateIp('host ip-300-0-0-1 is down')).toEqual([])
    expect(privateIp('at 0x08.0.0.1 and 12.0.0.1')).toEqual([])
  })
})

describe('private IPv6 addresses', () => {
  it.each([
    ['::1', 'the IPv6 loopback address'],
    ['fc00::1', 'a private (unique local) IPv6 address'],
    ['fd12:3456::1', 'a private (unique local) IPv6 address'],
    ['fd00:0:0:0:0:0:0:1', 'a private (unique local) IPv6 address'],
    ['fe80::1', 'a link-local IPv6 address'],
    ['febf::1', 'a link-local IPv6 address'],
    ['fec0::1', 'a site-local IPv6 address'],
    ['::ffff:a00:1', 'a private network address inside an IPv6 address'],
    ['::a00:1', 'a private network address inside an IPv6 address'],
    ['64:ff9b::a00:1', 'a private network address inside an IPv6 address'],
    ['::ffff:7f00:1', 'a loopback address inside an IPv6 address'],
  ])('%s is %s', (address, kind) => {
    expect(privateIp(`see ${address} now`)).toEqual([`"${address}" is ${kind}`])
  })

  it.each([
    '::2',
    '1:0:0:0:0:0:0:1',
    'ff02::1',
    '2001:db8::1',
    '1:2:3:4:5:6:7:8',
    '::ffff:808:808',
    '64:ff9b:1::a00:1',
    '65:ff9b::a00:1',
    '::1:0:a00:1',
    'fd00:0:0:0:0:0:1',
    '1::2::3',
    'fd00:1:2:3::4:5:6:7',
  ])('%s is not flagged', (address) => {
    expect(privateIp(`see ${address} now`)).toEqual([])
  })
})
