import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the webhook adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `webhook channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to webhook is not implemented yet', {retry: 'never'})
  },
})
