import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'
import {DeliveryError} from '../../src/services/publish/adapter.js'
import {httpRequest} from '../../src/infrastructure/http.js'

let server: http.Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
})

/** A server whose /old answers `status` pointing at /new/secret-token, and whose /new answers 200. */
async function movedServer(status: number): Promise<{origin: string; seen: string[]}> {
  const seen: string[] = []
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    req.resume()
    if (req.url === '/old') res.writeHead(status, {location: '/new/secret-token?key=abc'}).end()
    else res.writeHead(200, {'content-type': 'application/json'}).end('{"id":"1"}')
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return {origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen}
}

describe('httpRequest and redirects', () => {
  for (const status of [301, 302, 303, 307, 308]) {
    it(`a ${status} is a final failure naming the Location, and the Location is never requested`, async () => {
      const {origin, seen} = await movedServer(status)
      const error = await httpRequest('Acme', {
        method: 'POST',
        url: `${origin}/old`,
        json: {text: 'hi'},
        timeoutMs: 5000,
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(DeliveryError)
      expect(error).toMatchObject({retry: 'never', mayHaveArrived: false})
      expect((error as Error).message).toBe(
        `Acme answered ${status} redirecting to ${origin}/new/secret-token; Candor does not follow redirects: point the channel at the new URL`,
      )
      expect(seen).toEqual(['POST /old'])
    })
  }

  it('with a secret path, shows only the origin of the Location', async () => {
    const {origin} = await movedServer(301)
    const error = await httpRequest('Hook', {
      method: 'POST',
      url: `${origin}/old`,
      body: 'x',
      timeoutMs: 5000,
      secretPath: true,
    }).catch((e: unknown) => e)
    expect((error as Error).message).toBe(
      `Hook answered 301 redirecting to ${origin} (another path); Candor does not follow redirects: point the channel at the new URL`,
    )
  })
})
