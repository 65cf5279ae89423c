import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the email adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `email channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to email is not implemented yet', {retry: 'never'})
  },
})
