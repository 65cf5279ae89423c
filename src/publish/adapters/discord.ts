import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the discord adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `discord channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to discord is not implemented yet', {retry: 'never'})
  },
})
