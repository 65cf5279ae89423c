import {DeliveryError, type AdapterFactory} from '../adapter.js'

// Placeholder until the site adapter lands: refuses clearly, never pretends to publish.
export const createAdapter: AdapterFactory = ({channel}) => ({
  describeTarget: () => `status site ${channel.name}`,
  async post() {
    throw new DeliveryError('publishing to the status site is not implemented yet', {retry: 'never'})
  },
})
