import type {Playbook} from './model.js'

/**
 * Which of the playbook's locales serves a channel's language tag: the same tag, or
 * its language (`de-AT` is served by `de`); undefined when none does.
 */
export function templateLocale(tag: string, locales: readonly string[]): string | undefined {
  const lower = tag.toLowerCase()
  return locales.find((l) => l.toLowerCase() === lower) ?? locales.find((l) => l.toLowerCase() === lower.split('-')[0])
}

/** The language a channel posts in: its `locale`, else the playbook's default. */
export function channelLocale(
  playbook: Pick<Playbook, 'locales'>,
  channel: {options: Record<string, unknown>},
): string {
  const tag = channel.options.locale
  return typeof tag === 'string' && tag !== '' ? tag : (playbook.locales?.[0] ?? 'en')
}
