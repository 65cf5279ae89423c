import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the slack adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `slack channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to slack is not implemented yet', {retry: 'never'})
  },
})
