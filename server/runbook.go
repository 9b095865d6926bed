package server

// modeIncident is the value of ?mode= for the compact incident view of an
// article: no sidebar, large type, readable without JavaScript.
const modeIncident = "incident"
