// An HTTPS front on 127.0.0.1 for a plain-HTTP fake: crosspost's Mastodon strategy only
// speaks `https://${host}`, so both crosspost and Candor reach the Mastodon fakes through
// one of these (same path, same TLS cost). The certificate is self-signed for IP
// 127.0.0.1 and trusted by the children through NODE_EXTRA_CA_CERTS (nothing disables
// verification).
//
// The Mastodon fake parses JSON and urlencoded bodies but not multipart/form-data, which
// crosspost sends (real Mastodon accepts all three); the front re-encodes a multipart
// body as urlencoded before forwarding. That takes microseconds.
import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'

/** Makes a self-signed certificate for 127.0.0.1 with openssl in `dir`; undefined without openssl. */
export function makeCertificate(dir) {
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  const r = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    {encoding: 'utf8'},
  )
  if (r.status !== 0) return undefined
  return {key: readFileSync(key), cert: readFileSync(cert), certFile: cert}
}

async function reencode(req, body) {
  const type = req.headers['content-type'] ?? ''
  if (!type.toLowerCase().startsWith('multipart/form-data')) return {body, type}
  const form = await new Response(body, {headers: {'content-type': type}}).formData()
  const params = new URLSearchParams()
  for (const [k, v] of form) if (typeof v === 'string') params.append(k, v)
  return {body: Buffer.from(params.toString()), type: 'application/x-www-form-urlencoded'}
}

// Hop-by-hop headers belong to one connection and are not forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
]

function endToEnd(headers) {
  const out = {...headers}
  for (const h of HOP_BY_HOP) delete out[h]
  return out
}

/** Starts an HTTPS server forwarding every request to `target` (http://127.0.0.1:PORT). */
export async function startTlsFront(tls, target) {
  const to = new URL(target)
  const server = https.createServer({key: tls.key, cert: tls.cert}, (req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', async () => {
      const fail = (error) => {
        if (res.headersSent) return res.destroy()
        const text = `tls-front: ${error?.message ?? error}`
        res.writeHead(502, {'content-type': 'text/plain', 'content-length': Buffer.byteLength(text)})
        res.end(text)
      }
      try {
        const {body, type} = await reencode(req, Buffer.concat(chunks))
        const headers = {
          ...endToEnd(req.headers),
          host: to.host,
          'content-type': type,
          'content-length': String(body.length),
        }
        if (!type) delete headers['content-type']
        // A fresh loopback connection per request: no idle keep-alive socket that the fake
        // may be closing just as it is reused.
        const upstream = http.request(
          {host: to.hostname, port: to.port, method: req.method, path: req.url, headers, agent: false},
          (up) => {
            res.writeHead(up.statusCode ?? 502, endToEnd(up.headers))
            up.pipe(res)
          },
        )
        upstream.on('error', fail)
        upstream.end(body)
      } catch (error) {
        fail(error)
      }
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  return {
    host: `127.0.0.1:${port}`,
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
