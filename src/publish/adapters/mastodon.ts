import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the mastodon adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `mastodon channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to mastodon is not implemented yet', {retry: 'never'})
  },
})
