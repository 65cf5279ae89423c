/** `CANDOR_<CHANNEL>_` with the channel name upper-cased and every non-alphanumeric as `_`. */
export function envPrefix(channelName: string): string {
  return `CANDOR_${channelName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`
}
