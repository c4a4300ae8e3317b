DROP TABLE block_systems;
DROP TABLE block_actions;
