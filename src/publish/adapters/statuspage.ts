import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the statuspage adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `statuspage channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to statuspage is not implemented yet', {retry: 'never'})
  },
})
