module.exports = { value: () => "x" };
