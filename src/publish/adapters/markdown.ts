import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the markdown adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `markdown channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to markdown is not implemented yet', {retry: 'never'})
  },
})
