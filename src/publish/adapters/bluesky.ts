import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the bluesky adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `bluesky channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to bluesky is not implemented yet', {retry: 'never'})
  },
})
