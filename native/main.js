'use strict';
// The native action's main step: the exchange.
require('./launch').launch([]);
