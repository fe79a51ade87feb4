'use strict';
// The native action's post step: blank the exported variables, remove a refreshing profile.
require('./launch').launch(['post']);
