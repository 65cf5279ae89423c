import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the facebook adapter lands: refuses clearly, never pretends to post.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `facebook channel ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to facebook is not implemented yet', {retry: 'never'})
  },
})
