import path from 'node:path'
import {CandorError} from '../../domain/errors.js'
import type {RemotePost} from '../../services/incident/events.js'
import {publishToSite} from '../../infrastructure/site-files.js'
import {incidentUrl, siteOptionsFromChannel} from '../../services/site/service.js'
import {DeliveryError, type AdapterFactory} from '../../services/publish/adapter.js'
import {optionsOf} from '../kind.js'
import type {siteKind} from './kind.js'

/**
 * The static status site. Posting an update rebuilds the incident's part of the site
 * (its page, the overview, its history month, the feeds) into the channel's `dir`
 * (relative to the current directory), from its journal and the site index: the update is
 * on the site because it is approved in the journal, so the rebuild is the delivery.
 * Deleting rebuilds without the update. Without a usable index, every page is rebuilt
 * from the journals and a note says why (on stderr: a delivery has no other voice).
 */
export const createAdapter: AdapterFactory = ({channel, store, rehearsal}) => {
  const options = siteOptionsFromChannel(optionsOf(channel.kind as typeof siteKind, channel.options))
  const dir = path.resolve(options.dir ?? 'site')

  async function rebuild(incident: string, exclude?: Set<string>): Promise<void> {
    if (!store)
      throw new DeliveryError('the status site is built from the incident store, and none was given', {retry: 'never'})
    try {
      const result = await publishToSite(store, {
        incidents: [incident],
        out: dir,
        title: options.title,
        baseUrl: options.baseUrl,
        components: options.components,
        lang: options.lang,
        exclude,
        rehearsals: rehearsal,
      })
      for (const note of result.notes) process.stderr.write(`› ${note}\n`)
      // What `site build` reports as warnings (a journal whose clock jumped, an unreadable time): the
      // page is drawn from what is consistent, and whoever publishes should hear why it looks so.
      for (const warning of result.warnings) process.stderr.write(`› warning: ${warning}\n`)
    } catch (error) {
      if (error instanceof DeliveryError) throw error
      const message = `status site in ${dir}: ${(error as Error).message}`
      // A clash with someone else's files or a bad folder won't fix itself; a full disk might.
      const code = (error as NodeJS.ErrnoException).code
      const never =
        error instanceof CandorError || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR' || code === 'EROFS'
      throw new DeliveryError(message, {retry: never ? 'never' : 'transient'})
    }
  }

  return {
    describeTarget: () => `status site in ${dir}${options.baseUrl ? ` (${options.baseUrl})` : ''}`,
    // Rebuilding is harmless to repeat: the site is a function of the journal.
    idempotent: true,
    async post(request): Promise<RemotePost> {
      await rebuild(request.incident.id)
      return {
        id: `${request.incident.id}/${request.incident.update}`,
        url: incidentUrl(options.baseUrl, request.incident.id),
      }
    },
    async delete(remote: RemotePost): Promise<void> {
      await rebuild(remote.id.slice(0, Math.max(0, remote.id.lastIndexOf('/'))), new Set([remote.id]))
    },
  }
}
